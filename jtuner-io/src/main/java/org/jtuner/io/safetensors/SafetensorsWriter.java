package org.jtuner.io.safetensors;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import org.jtuner.io.AtomicFiles;

/**
 * Writes safetensors files exactly as the reference serializer ({@code safetensors.torch.save_file}) does:
 * tensors ordered by dtype (largest alignment first, in the Rust {@code Dtype} order) and then by name, data laid
 * out contiguously in that order, compact JSON with {@code __metadata__} first, and the header padded with spaces to
 * a multiple of 8 bytes so that every tensor's data is 8-byte aligned in the file.
 *
 * <p>A file is written to a temporary name in the same directory, forced to disk, then renamed over the target, so a
 * reader never sees a half-written file and a failed write leaves the old file in place.
 *
 * <pre>{@code
 * new SafetensorsWriter()
 *         .add(TensorEntry.ofFloats("w", new long[] {2, 3}, values))
 *         .metadata("format", "pt")
 *         .write(path);
 * }</pre>
 */
public final class SafetensorsWriter {
    private static final int CHUNK_BYTES = 1 << 22;
    private static final JsonFactory JSON = new JsonFactory();

    private final Map<String, TensorEntry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new TreeMap<>();

    /** Adds a tensor; a second tensor with the same name is an error. */
    public SafetensorsWriter add(TensorEntry entry) {
        if (entries.putIfAbsent(entry.name(), entry) != null) {
            throw new IllegalArgumentException("tensor '" + entry.name() + "' added twice");
        }
        return this;
    }

    /** Adds several tensors. */
    public SafetensorsWriter addAll(Collection<TensorEntry> more) {
        more.forEach(this::add);
        return this;
    }

    /** Adds raw little-endian bytes of {@code dtype}. */
    public SafetensorsWriter add(String name, String dtype, long[] shape, MemorySegment bytes) {
        return add(TensorEntry.of(name, dtype, shape, bytes));
    }

    /** Adds floats, stored as F32. */
    public SafetensorsWriter addFloats(String name, long[] shape, float[] data) {
        return add(TensorEntry.ofFloats(name, shape, data));
    }

    /** Adds floats stored as {@code dtype} (F32, BF16, F16, F64). */
    public SafetensorsWriter addFloats(String name, String dtype, long[] shape, float[] data) {
        return add(TensorEntry.ofFloats(name, dtype, shape, data));
    }

    /** Adds longs, stored as I64. */
    public SafetensorsWriter addLongs(String name, long[] shape, long[] data) {
        return add(TensorEntry.ofLongs(name, shape, data));
    }

    /** Adds ints, stored as I32. */
    public SafetensorsWriter addInts(String name, long[] shape, int[] data) {
        return add(TensorEntry.ofInts(name, shape, data));
    }

    /** Sets one {@code __metadata__} entry. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Sets several {@code __metadata__} entries. */
    public SafetensorsWriter metadata(Map<String, String> more) {
        metadata.putAll(more);
        return this;
    }

    /** Writes the file (atomically replacing any file at {@code file}). */
    public void write(Path file) throws IOException {
        write(file, entries.values(), metadata);
    }

    /**
     * Writes {@code tensors} with {@code metadata} (null or empty: no {@code __metadata__}) to {@code file},
     * atomically.
     */
    public static void write(Path file, Collection<TensorEntry> tensors, Map<String, String> metadata) throws IOException {
        List<TensorEntry> ordered = inFileOrder(tensors);
        byte[] header = header(ordered, metadata);

        AtomicFiles.write(file, out -> {
            ByteBuffer scratch = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            scratch.putLong(header.length).flip();
            while (scratch.hasRemaining()) out.write(scratch);
            ByteBuffer headerBuffer = ByteBuffer.wrap(header);
            while (headerBuffer.hasRemaining()) out.write(headerBuffer);
            for (TensorEntry e : ordered) e.writeTo(out, scratch);
        });
    }

    /** The reference order: dtype descending (Rust enum order), then name by UTF-8 bytes. */
    static List<TensorEntry> inFileOrder(Collection<TensorEntry> tensors) {
        Set<String> seen = new HashSet<>();
        for (TensorEntry e : tensors) {
            if (!seen.add(e.name())) throw new IllegalArgumentException("tensor '" + e.name() + "' given twice");
            if (e.name().equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("'" + SafetensorsHeader.METADATA_KEY + "' cannot name a tensor");
            }
        }
        List<TensorEntry> ordered = new ArrayList<>(tensors);
        ordered.sort(Comparator.comparing((TensorEntry e) -> e.dtype().ordinal()).reversed()
                .thenComparing((a, b) -> Arrays.compareUnsigned(utf8(a.name()), utf8(b.name()))));
        return ordered;
    }

    /** The padded header JSON for tensors already in file order. */
    static byte[] header(List<TensorEntry> ordered, Map<String, String> metadata) {
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(json)) {
            g.writeStartObject();
            if (metadata != null && !metadata.isEmpty()) {
                g.writeObjectFieldStart(SafetensorsHeader.METADATA_KEY);
                for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) g.writeStringField(m.getKey(), m.getValue());
                g.writeEndObject();
            }
            long offset = 0;
            for (TensorEntry e : ordered) {
                g.writeObjectFieldStart(e.name());
                g.writeStringField("dtype", e.info().dtype());
                long[] shape = e.info().shape();
                g.writeFieldName("shape");
                g.writeArray(shape, 0, shape.length);
                long end = offset + e.byteSize();
                g.writeFieldName("data_offsets");
                g.writeArray(new long[] {offset, end}, 0, 2);
                g.writeEndObject();
                offset = end;
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writing to memory does not fail
        }
        int padded = (json.size() + 7) & ~7;
        byte[] header = Arrays.copyOf(json.toByteArray(), padded);
        Arrays.fill(header, json.size(), padded, (byte) ' ');
        return header;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

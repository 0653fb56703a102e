package org.jtuner.io.safetensors;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.jtuner.io.TensorFile;

/**
 * A safetensors file, memory-mapped read-only. The header is read and validated completely before the file is
 * mapped (see {@link SafetensorsHeader}); tensor data is then handed out as zero-copy slices of the mapping.
 *
 * <p>The mapping lives in a shared arena owned by this object: {@link #close()} unmaps the file, after which every
 * segment returned by {@link #data} is invalid (accessing one throws {@link IllegalStateException}; it never
 * reads freed memory). Copy what must outlive the file. An open file may be read from any thread.
 *
 * <p>Data is little-endian as the format prescribes; the {@code read*} helpers convert to Java arrays.
 */
public final class SafetensorsFile implements TensorFile {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena;
    private final MemorySegment dataArea;
    private final SafetensorsHeader header;
    private final List<String> sortedNames;

    private SafetensorsFile(Path path, Arena arena, MemorySegment dataArea, SafetensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.dataArea = dataArea;
        this.header = header;
        List<String> names = new ArrayList<>(header.slots.keySet());
        Collections.sort(names);
        this.sortedNames = List.copyOf(names);
    }

    /**
     * Opens, validates and maps {@code file}.
     *
     * @throws SafetensorsException when the file is not a well-formed safetensors file (the message says why)
     * @throws IOException          when it cannot be read
     */
    public static SafetensorsFile open(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(file, "not a safetensors file: " + size
                        + " bytes, fewer than the 8-byte header length");
            }
            long headerLength = readFully(channel, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            SafetensorsHeader.checkHeaderLength(file, headerLength, size);
            byte[] headerBytes = readFully(channel, 8, (int) headerLength).array();
            long dataStart = 8 + headerLength;
            SafetensorsHeader header = SafetensorsHeader.parse(file, headerBytes, size - dataStart);

            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                return new SafetensorsFile(file, arena, mapped.asSlice(dataStart), header);
            } catch (Throwable t) {
                arena.close();
                throw t;
            }
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) throw new EOFException("unexpected end of file at byte " + (position + buffer.position()));
        }
        return buffer.flip();
    }

    /** The file this was opened from. */
    public Path path() {
        return path;
    }

    /** Tensor names, sorted (as Python's {@code safe_open(...).keys()} returns them). */
    public List<String> names() {
        return sortedNames;
    }

    /** Tensor names in the order their data lies in the file. */
    public List<String> namesInFileOrder() {
        return List.copyOf(header.slots.keySet());
    }

    /** How many tensors the file holds. */
    public int size() {
        return header.slots.size();
    }

    public boolean contains(String name) {
        return header.slots.containsKey(name);
    }

    /** The dtype and shape of {@code name}. */
    public TensorInfo info(String name) {
        return slot(name).info();
    }

    /** The {@code __metadata__} map of the header (empty when it has none). */
    public Map<String, String> metadata() {
        return header.metadata;
    }

    /**
     * The raw little-endian bytes of {@code name}: a read-only, zero-copy slice of the mapping, valid until
     * {@link #close()}. In a file whose header is padded to 8 bytes (as every writer pads it), the slice is aligned
     * to its element size; use unaligned layouts when reading files of unknown origin.
     */
    public MemorySegment data(String name) {
        SafetensorsHeader.Slot s = slot(name);
        return dataArea.asSlice(s.begin(), s.length()).asReadOnly();
    }

    /** The total number of bytes of tensor data. */
    public long dataSize() {
        return dataArea.byteSize();
    }

    /** The tensor as floats: F32 is copied, BF16 and F16 are widened exactly, F64 is narrowed (rounded). */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        return TensorReads.floats(path, info, data(name));
    }

    /** The tensor as doubles (F64, F32, BF16, F16; all exact). */
    public double[] readDoubles(String name) {
        TensorInfo info = info(name);
        return TensorReads.doubles(path, info, data(name));
    }

    /**
     * The tensor as longs: I64 is copied; I32, I16, I8 are sign-extended; U32, U16, U8 and BOOL are zero-extended;
     * U64 keeps its bits (values past {@link Long#MAX_VALUE} read as negative).
     */
    public long[] readLongs(String name) {
        TensorInfo info = info(name);
        return TensorReads.longs(path, info, data(name));
    }

    private SafetensorsHeader.Slot slot(String name) {
        SafetensorsHeader.Slot s = header.slots.get(name);
        if (s == null) {
            throw new IllegalArgumentException(path + ": no tensor named '" + name + "' (the file has "
                    + header.slots.size() + " tensors)");
        }
        return s;
    }

    /** Unmaps the file. Segments returned by {@link #data} become inaccessible. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + size() + " tensors]";
    }
}

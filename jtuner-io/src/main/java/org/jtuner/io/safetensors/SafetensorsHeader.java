package org.jtuner.io.safetensors;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * A parsed and fully validated safetensors header. It checks everything the reference Rust reader checks, so that a
 * file we accept is one {@code safetensors} accepts: the header is UTF-8 JSON with no duplicate keys, every dtype is
 * known, every shape matches its byte range, and the byte ranges tile the data area exactly (no overlap, no gap, no
 * trailing bytes, nothing past the end of the file).
 */
final class SafetensorsHeader {
    /** The reference implementation's limit; a larger "length" means a corrupt file or not a safetensors file. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Where one tensor's bytes lie, relative to the start of the data area. */
    record Slot(TensorInfo info, SafetensorsDtype dtype, long begin, long end) {
        long length() {
            return end - begin;
        }
    }

    final Map<String, Slot> slots;       // in data order
    final Map<String, String> metadata;  // empty when the header has none

    private SafetensorsHeader(Map<String, Slot> slots, Map<String, String> metadata) {
        this.slots = slots;
        this.metadata = metadata;
    }

    /** Checks the 8-byte length prefix against the file size, before any header byte is read. */
    static void checkHeaderLength(Path file, long headerLength, long fileSize) throws SafetensorsException {
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " is over the " + MAX_HEADER_BYTES + "-byte limit (corrupt, or not a safetensors file)");
        }
        if (headerLength > fileSize - 8) {
            throw new SafetensorsException(file, "truncated: header length is " + headerLength
                    + " bytes, but the file has only " + (fileSize - 8) + " bytes after the 8-byte length");
        }
    }

    /**
     * Parses and validates a header.
     *
     * @param headerBytes the JSON bytes (without the length prefix)
     * @param dataSize    how many bytes the file has after the header
     */
    static SafetensorsHeader parse(Path file, byte[] headerBytes, long dataSize) throws SafetensorsException {
        String text = decodeUtf8(file, headerBytes);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new SafetensorsException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(file, "header is not a JSON object");
        }

        Map<String, String> metadata = Map.of();
        List<Slot> slots = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, field.getValue());
            } else {
                slots.add(parseSlot(file, field.getKey(), field.getValue()));
            }
        }
        checkLayout(file, slots, dataSize);

        Map<String, Slot> byName = new LinkedHashMap<>();
        for (Slot s : slots) byName.put(s.info().name(), s);
        return new SafetensorsHeader(byName, metadata);
    }

    private static String decodeUtf8(Path file, byte[] bytes) throws SafetensorsException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, "header is not valid UTF-8", e);
        }
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) throws SafetensorsException {
        if (node.isNull()) return Map.of();
        if (!node.isObject()) throw new SafetensorsException(file, METADATA_KEY + " is not a JSON object");
        Map<String, String> metadata = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(file, METADATA_KEY + " value of '" + e.getKey()
                        + "' is not a string: " + e.getValue());
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static Slot parseSlot(Path file, String name, JsonNode node) throws SafetensorsException {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) throw new SafetensorsException(file, where + "entry is not a JSON object: " + node);

        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsException(file, where + "missing or non-string 'dtype'");
        }
        String dtypeName = dtypeNode.textValue();
        if (!SafetensorsDtype.isKnown(dtypeName)) {
            throw new SafetensorsException(file, where + "unknown dtype '" + dtypeName + "' (known: "
                    + SafetensorsDtype.knownNames() + ")");
        }
        SafetensorsDtype dtype = SafetensorsDtype.of(dtypeName);

        long[] shape = readNaturals(file, where, node.get("shape"), "shape", -1);
        long[] offsets = readNaturals(file, where, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0], end = offsets[1];
        if (end < begin) {
            throw new SafetensorsException(file, where + "data_offsets [" + begin + ", " + end + "] end before they begin");
        }

        long expected;
        try {
            expected = dtype.bytesFor(TensorInfo.numel(shape));
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, where + "shape " + Arrays.toString(shape) + " overflows 64 bits");
        }
        if (expected < 0) {
            throw new SafetensorsException(file, where + "shape " + Arrays.toString(shape) + " of " + dtypeName
                    + " is not a whole number of bytes");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(file, where + "data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + " bytes, but shape " + Arrays.toString(shape) + " of " + dtypeName + " needs "
                    + expected + " (numel " + TensorInfo.numel(shape) + " x " + dtype.bits() / 8.0 + " bytes)");
        }
        return new Slot(new TensorInfo(name, dtypeName, shape), dtype, begin, end);
    }

    /** An array of non-negative integers, of the given length (or any length when {@code length < 0}). */
    private static long[] readNaturals(Path file, String where, JsonNode node, String key, int length)
            throws SafetensorsException {
        if (node == null || !node.isArray()) {
            throw new SafetensorsException(file, where + "missing or non-array '" + key + "'");
        }
        if (length >= 0 && node.size() != length) {
            throw new SafetensorsException(file, where + "'" + key + "' has " + node.size() + " entries, expected "
                    + length + ": " + node);
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new SafetensorsException(file, where + "'" + key + "' must hold non-negative integers: " + node);
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** The byte ranges must lie inside the data area and tile it exactly, as the reference reader demands. */
    private static void checkLayout(Path file, List<Slot> slots, long dataSize) throws SafetensorsException {
        slots.sort(Comparator.comparingLong(Slot::begin).thenComparingLong(Slot::end));

        Slot last = null;
        for (Slot s : slots) if (last == null || s.end() > last.end()) last = s;
        if (last != null && last.end() > dataSize) {
            throw new SafetensorsException(file, "truncated: header says " + last.end() + " bytes of data, file has "
                    + dataSize + " (tensor '" + last.info().name() + "' ends at byte " + last.end() + ")");
        }

        long position = 0;
        Slot previous = null;
        for (Slot s : slots) {
            if (s.begin() < position) {
                throw new SafetensorsException(file, "tensors '" + previous.info().name() + "' (data_offsets ["
                        + previous.begin() + ", " + previous.end() + "]) and '" + s.info().name()
                        + "' (data_offsets [" + s.begin() + ", " + s.end() + "]) overlap");
            }
            if (s.begin() > position) {
                String before = previous == null ? "the start of the data" : "tensor '" + previous.info().name() + "'";
                throw new SafetensorsException(file, (s.begin() - position) + " bytes between " + before
                        + " and tensor '" + s.info().name() + "' belong to no tensor (data_offsets must be contiguous)");
            }
            position = s.end();
            previous = s;
        }
        if (position != dataSize) {
            throw new SafetensorsException(file, (dataSize - position) + " bytes after the last tensor belong to no "
                    + "tensor (header accounts for " + position + " bytes of data, file has " + dataSize + ")");
        }
    }
}

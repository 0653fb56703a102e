package org.jtuner.vision;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Just enough safetensors to read F32 and I64 reference tensors in tests: 8-byte little-endian header length, a JSON
 * header with dtype, shape and data_offsets, then the raw little-endian data. (The real reader is jtuner-io's.)
 */
final class ReferenceTensors {
    private final JsonNode header;
    private final ByteBuffer data;

    private ReferenceTensors(JsonNode header, ByteBuffer data) {
        this.header = header;
        this.data = data;
    }

    static ReferenceTensors open(Path file) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = Math.toIntExact(all.getLong(0));
        JsonNode header = new ObjectMapper().readTree(new String(all.array(), 8, headerLength, java.nio.charset.StandardCharsets.UTF_8));
        ByteBuffer data = all.slice(8 + headerLength, all.capacity() - 8 - headerLength).order(ByteOrder.LITTLE_ENDIAN);
        return new ReferenceTensors(header, data);
    }

    int[] shape(String name) {
        JsonNode shape = entry(name).get("shape");
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) dims[i] = shape.get(i).asInt();
        return dims;
    }

    float[] floats(String name) {
        JsonNode e = entry(name);
        if (!"F32".equals(e.get("dtype").asText())) throw new IllegalArgumentException(name + " is " + e.get("dtype") + ", not F32");
        int begin = e.get("data_offsets").get(0).asInt();
        int end = e.get("data_offsets").get(1).asInt();
        float[] out = new float[(end - begin) / 4];
        data.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    long[] longs(String name) {
        JsonNode e = entry(name);
        if (!"I64".equals(e.get("dtype").asText())) throw new IllegalArgumentException(name + " is " + e.get("dtype") + ", not I64");
        int begin = e.get("data_offsets").get(0).asInt();
        int end = e.get("data_offsets").get(1).asInt();
        long[] out = new long[(end - begin) / 8];
        data.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    private JsonNode entry(String name) {
        JsonNode e = header.get(name);
        if (e == null) throw new IllegalArgumentException("no tensor " + name + " in the reference file");
        return e;
    }
}

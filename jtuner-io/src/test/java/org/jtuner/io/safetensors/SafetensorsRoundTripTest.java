package org.jtuner.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private static float[] randomFloats(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * 3;
        return v;
    }

    @Test
    void everyDtypeSurvivesWriteThenRead() throws IOException {
        float[] f = randomFloats(24, 1);
        long[] ids = {0, -100, Long.MAX_VALUE, Long.MIN_VALUE, 42, 7};
        int[] ints = {1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE};
        Path file = dir.resolve("all.safetensors");
        new SafetensorsWriter()
                .addFloats("f32", new long[] {2, 3, 4}, f)
                .addFloats("bf16", "BF16", new long[] {24}, f)
                .addFloats("f16", "F16", new long[] {4, 6}, f)
                .addFloats("f64", "F64", new long[] {24}, f)
                .addLongs("i64", new long[] {2, 3}, ids)
                .addInts("i32", new long[] {4}, ints)
                .add(TensorEntry.ofLongs("i32_from_longs", "I32", new long[] {2}, new long[] {-7, 9}))
                .add("u8", "U8", new long[] {3}, MemorySegment.ofArray(new byte[] {1, (byte) 200, 3}))
                .metadata(Map.of("format", "pt", "note", "ünïcode"))
                .write(file);

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.names()).containsExactly("bf16", "f16", "f32", "f64", "i32", "i32_from_longs", "i64", "u8");
            assertThat(st.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "note", "ünïcode"));
            assertThat(st.info("f32").shape()).containsExactly(2, 3, 4);
            assertThat(st.info("f16")).isEqualTo(new TensorInfo("f16", "F16", new long[] {4, 6}));
            assertThat(st.readFloats("f32")).containsExactly(f);
            assertThat(st.readDoubles("f64")).containsExactly(toDoubles(f));
            for (int i = 0; i < f.length; i++) {
                assertThat(st.readFloats("bf16")[i]).isEqualTo(Half.roundToBf16(f[i]));
                assertThat(st.readFloats("f16")[i]).isEqualTo(Half.roundToF16(f[i]));
            }
            assertThat(st.readLongs("i64")).containsExactly(ids);
            assertThat(st.readLongs("i32")).containsExactly(1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE);
            assertThat(st.readLongs("i32_from_longs")).containsExactly(-7, 9);
            assertThat(st.readLongs("u8")).containsExactly(1, 200, 3);
            // Raw data is little-endian and zero-copy.
            MemorySegment raw = st.data("f32");
            assertThat(raw.isReadOnly()).isTrue();
            assertThat(raw.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4)).isEqualTo(f[1]);
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    @Test
    void headerIsOrderedAndPaddedLikeTheReferenceSerializer() throws IOException {
        Path file = dir.resolve("order.safetensors");
        new SafetensorsWriter()
                .addFloats("z_f32", new long[] {1}, new float[] {1})
                .addFloats("a_f32", new long[] {1}, new float[] {2})
                .addFloats("m_bf16", "BF16", new long[] {1}, new float[] {3})
                .addLongs("b_i64", new long[] {1}, new long[] {4})
                .addInts("c_i32", new long[] {1}, new int[] {5})
                .metadata("format", "pt")
                .write(file);

        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        // Largest dtype first (I64 > F32 > I32 > BF16 in the Rust order), then by name; compact JSON; space padding.
        assertThat(header.stripTrailing()).isEqualTo("{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b_i64\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"a_f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"z_f32\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]},"
                + "\"c_i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[16,20]},"
                + "\"m_bf16\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[20,22]}}");
        assertThat(header.substring(header.stripTrailing().length())).matches(" *");
        assertThat(bytes.length).isEqualTo(8 + n + 22);
    }

    @Test
    void scalarsAndEmptyTensorsAndNativeSegments() throws IOException {
        Path file = dir.resolve("edge.safetensors");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment native32 = arena.allocate(12);
            for (int i = 0; i < 3; i++) native32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, i + 0.5f);
            new SafetensorsWriter()
                    .addFloats("scalar", new long[] {}, new float[] {3.25f})
                    .addFloats("empty", new long[] {0, 5}, new float[0])
                    .add("native", "F32", new long[] {3}, native32)
                    .write(file);
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.info("scalar").rank()).isZero();
            assertThat(st.info("scalar").numel()).isEqualTo(1);
            assertThat(st.readFloats("scalar")).containsExactly(3.25f);
            assertThat(st.readFloats("empty")).isEmpty();
            assertThat(st.data("empty").byteSize()).isZero();
            assertThat(st.readFloats("native")).containsExactly(0.5f, 1.5f, 2.5f);
        }
    }

    @Test
    void anEmptyFileMatchesTheReferenceBytes() throws IOException {
        // safetensors' own test: serialize({}) == 8,0,0,0,0,0,0,0 then "{}" and six spaces.
        Path file = dir.resolve("empty.safetensors");
        new SafetensorsWriter().write(file);
        assertThat(Files.readAllBytes(file)).containsExactly(8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' ');
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.names()).isEmpty();
        }
    }

    @Test
    void segmentsAreInvalidAfterClose() throws IOException {
        Path file = dir.resolve("x.safetensors");
        new SafetensorsWriter().addFloats("x", new long[] {2}, new float[] {1, 2}).write(file);
        SafetensorsFile st = SafetensorsFile.open(file);
        MemorySegment data = st.data("x");
        st.close();
        st.close(); // idempotent
        assertThatThrownBy(() -> data.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void badEntriesAreRefusedWhenMade() {
        assertThatThrownBy(() -> TensorEntry.ofFloats("w", new long[] {2, 3}, new float[5]))
                .hasMessageContaining("tensor 'w': shape [2, 3] of F32 needs 6 elements (24 bytes), the data has 5 floats");
        assertThatThrownBy(() -> TensorEntry.of("w", "BF16", new long[] {3}, MemorySegment.ofArray(new byte[5])))
                .hasMessageContaining("the data has 5 bytes");
        assertThatThrownBy(() -> TensorEntry.ofLongs("ids", "I32", new long[] {2}, new long[] {1, 1L << 40}))
                .hasMessageContaining("tensor 'ids': element 1 = 1099511627776 does not fit in I32");
        assertThatThrownBy(() -> TensorEntry.ofFloats("w", "I64", new long[] {1}, new float[1]))
                .hasMessageContaining("floats can be stored as F32, BF16, F16 or F64, not I64");
        assertThatThrownBy(() -> new SafetensorsWriter().addFloats("w", new long[] {1}, new float[1])
                .addFloats("w", new long[] {1}, new float[1])).hasMessageContaining("tensor 'w' added twice");
    }

    @Test
    void writingReplacesTheTargetAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter().addFloats("old", new long[] {1}, new float[] {1}).write(file);
        new SafetensorsWriter().addFloats("new", new long[] {1}, new float[] {2}).write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.names()).containsExactly("new");
        }
        try (var list = Files.list(dir)) {
            assertThat(list.map(p -> p.getFileName().toString())).containsExactly("w.safetensors");
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("w.safetensors");
        new SafetensorsWriter().addFloats("old", new long[] {1}, new float[] {1}).write(file);
        byte[] before = Files.readAllBytes(file);
        MemorySegment gone;
        try (Arena arena = Arena.ofConfined()) {
            gone = arena.allocate(16);
        }
        MemorySegment freed = gone;
        assertThatThrownBy(() -> new SafetensorsWriter().add("x", "F32", new long[] {4}, freed).write(file))
                .isInstanceOf(IllegalStateException.class);
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var list = Files.list(dir)) {
            assertThat(list.map(p -> p.getFileName().toString())).containsExactly("w.safetensors");
        }
    }

    @Test
    void writtenFilesGetTheUsualPermissionsNotOwnerOnly() throws IOException {
        Assumptions.assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        Path written = dir.resolve("p.safetensors");
        new SafetensorsWriter().write(written);
        assertThat(Files.getPosixFilePermissions(written)).isEqualTo(Files.getPosixFilePermissions(plain));
    }

    @Test
    void headerJsonIsWhatPythonWouldParse() throws IOException {
        Path file = dir.resolve("q.safetensors");
        new SafetensorsWriter().addFloats("we\"ird\\name\n", new long[] {1}, new float[] {1}).write(file);
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        assertThat(header.fieldNames().next()).isEqualTo("we\"ird\\name\n");
    }
}

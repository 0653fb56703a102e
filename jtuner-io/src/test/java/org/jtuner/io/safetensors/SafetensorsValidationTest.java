package org.jtuner.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed input is refused before any data is read, with a message naming the file, tensor and problem. */
class SafetensorsValidationTest {
    @TempDir
    Path dir;

    private static final String TWO_TENSORS = """
            {"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
            "b":{"dtype":"I64","shape":[2],"data_offsets":[24,40]}}""";

    private AbstractThrowableAssert<?, ? extends Throwable> opening(byte[] content) throws IOException {
        Path file = StFiles.write(dir, "bad.safetensors", content);
        return assertThatThrownBy(() -> SafetensorsFile.open(file).close())
                .isInstanceOf(SafetensorsException.class)
                .hasMessageStartingWith(file + ": ");
    }

    private AbstractThrowableAssert<?, ? extends Throwable> opening(String header, int dataBytes) throws IOException {
        return opening(StFiles.bytes(header, dataBytes));
    }

    @Test
    void aWellFormedHandMadeFileOpens() throws IOException {
        Path file = StFiles.write(dir, "ok.safetensors", StFiles.bytes(TWO_TENSORS, 40));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThat(f.names()).containsExactly("a", "b");
            assertThat(f.info("b")).isEqualTo(new TensorInfo("b", "I64", new long[] {2}));
            assertThat(f.data("b").byteSize()).isEqualTo(16);
            assertThat(f.metadata()).isEmpty();
        }
    }

    @Test
    void truncatedData() throws IOException {
        opening(TWO_TENSORS, 30).hasMessageContaining("truncated: header says 40 bytes of data, file has 30")
                .hasMessageContaining("tensor 'b'");
    }

    @Test
    void headerLengthBeyondTheFile() throws IOException {
        byte[] header = TWO_TENSORS.getBytes(StandardCharsets.UTF_8);
        opening(StFiles.bytes(12345, header, 40)).hasMessageContaining("truncated: header length is 12345 bytes")
                .hasMessageContaining("has only " + (header.length + 40) + " bytes");
    }

    @Test
    void absurdHeaderLength() throws IOException {
        opening(StFiles.bytes(200_000_000L, new byte[16], 0)).hasMessageContaining("over the 100000000-byte limit");
        opening(StFiles.bytes(-1L, new byte[16], 0)).hasMessageContaining("18446744073709551615");
    }

    @Test
    void shorterThanTheLengthPrefix() throws IOException {
        opening(new byte[5]).hasMessageContaining("5 bytes, fewer than the 8-byte header length");
    }

    @Test
    void badJson() throws IOException {
        opening("{\"a\":{\"dtype\":\"F32\",", 0).hasMessageContaining("header is not valid JSON");
        opening("[1,2]", 0).hasMessageContaining("header is not a JSON object");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        opening("""
                {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},\
                "a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8)
                .hasMessageContaining("header is not valid JSON").hasMessageContaining("Duplicate field 'a'");
    }

    @Test
    void invalidUtf8() throws IOException {
        byte[] header = "{\"\u00e9\":1}".getBytes(StandardCharsets.UTF_8);
        header[3] = (byte) 0xFF;
        opening(StFiles.bytes(header.length, header, 0)).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void offsetsOutOfRange() throws IOException {
        opening("""
                {"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
                "b":{"dtype":"I64","shape":[2],"data_offsets":[1000,1016]}}""", 40)
                .hasMessageContaining("truncated: header says 1016 bytes of data, file has 40")
                .hasMessageContaining("tensor 'b' ends at byte 1016");
    }

    @Test
    void overlappingTensors() throws IOException {
        opening("""
                {"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
                "b":{"dtype":"I64","shape":[2],"data_offsets":[16,32]}}""", 32)
                .hasMessageContaining("tensors 'a' (data_offsets [0, 24]) and 'b' (data_offsets [16, 32]) overlap");
    }

    @Test
    void holesAndTrailingBytesAreRefusedLikeTheReferenceReader() throws IOException {
        opening("""
                {"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},\
                "b":{"dtype":"I64","shape":[2],"data_offsets":[32,48]}}""", 48)
                .hasMessageContaining("8 bytes between tensor 'a' and tensor 'b' belong to no tensor");
        opening(TWO_TENSORS, 44).hasMessageContaining("4 bytes after the last tensor belong to no tensor");
    }

    @Test
    void numelMismatch() throws IOException {
        opening("""
                {"a":{"dtype":"F32","shape":[2,4],"data_offsets":[0,24]}}""", 24)
                .hasMessageContaining("tensor 'a': data_offsets [0, 24] hold 24 bytes, but shape [2, 4] of F32 needs 32");
    }

    @Test
    void unknownDtype() throws IOException {
        opening("""
                {"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}""", 8)
                .hasMessageContaining("tensor 'a': unknown dtype 'F99' (known: BOOL,");
    }

    @Test
    void malformedEntries() throws IOException {
        opening("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4)
                .hasMessageContaining("tensor 'a': 'shape' must hold non-negative integers");
        opening("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4)
                .hasMessageContaining("tensor 'a': 'data_offsets' has 1 entries, expected 2");
        opening("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4)
                .hasMessageContaining("tensor 'a': data_offsets [4, 0] end before they begin");
        opening("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4)
                .hasMessageContaining("tensor 'a': missing or non-string 'dtype'");
        opening("{\"a\":[1,2]}", 0).hasMessageContaining("tensor 'a': entry is not a JSON object");
        opening("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4)
                .hasMessageContaining("overflows 64 bits");
        opening("{\"__metadata__\":{\"format\":1}}", 0)
                .hasMessageContaining("__metadata__ value of 'format' is not a string");
    }

    @Test
    void aValidatedFileRefusesNamesItDoesNotHold() throws IOException {
        Path file = StFiles.write(dir, "ok.safetensors", StFiles.bytes(TWO_TENSORS, 40));
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            assertThatThrownBy(() -> f.data("c")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("no tensor named 'c'");
            assertThatThrownBy(() -> f.readLongs("a")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("tensor 'a' is F32");
        }
    }

    @Test
    void aFileThatFailsValidationLeavesNothingMapped() throws IOException {
        // Repeated failures must not leak mappings or file handles.
        Path file = StFiles.write(dir, "bad.safetensors", StFiles.bytes(TWO_TENSORS, 30));
        for (int i = 0; i < 200; i++) {
            assertThatThrownBy(() -> SafetensorsFile.open(file)).isInstanceOf(SafetensorsException.class);
        }
        Files.delete(file);
        assertThat(Arrays.asList(dir.toFile().list())).isEmpty();
    }
}

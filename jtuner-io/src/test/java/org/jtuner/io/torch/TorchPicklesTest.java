package org.jtuner.io.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.jtuner.io.TensorFile;
import org.jtuner.io.safetensors.Half;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code torch-pickles/}: tiny-llama's weights as torch.save writes them, read through the restricted unpickler and
 * compared with tiny-llama's model.safetensors; the evil pickles refused without running anything; the broken ones
 * reported naming the file and the tensor.
 */
class TorchPicklesTest {
    @TempDir
    Path tmp;

    private static Path pickles(String... more) {
        return Fixtures.path("torch-pickles", more);
    }

    /** Every tensor of {@code got} equals tiny-llama's, bit for bit after rounding the reference to the file's dtype. */
    private static void assertEqualsTinyLlama(ShardedCheckpoint got) throws IOException {
        try (SafetensorsFile want = SafetensorsFile.open(Fixtures.path("tiny-llama", "model.safetensors"))) {
            assertThat(got.names()).containsExactlyElementsOf(want.names());
            for (String name : want.names()) {
                assertThat(got.info(name).shape()).as(name).containsExactly(want.info(name).shape());
                float[] expected = want.readFloats(name);
                String dtype = got.info(name).dtype();
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = switch (dtype) {
                        case "F32" -> expected[i];
                        case "BF16" -> Half.bf16ToFloat(Half.floatToBf16(expected[i]));
                        case "F16" -> Half.f16ToFloat(Half.floatToF16(expected[i]));
                        default -> throw new AssertionError(name + " is " + dtype);
                    };
                }
                assertThat(got.readFloats(name)).as(name + " (" + dtype + ")").containsExactly(expected);
            }
        }
    }

    @Test
    void zipFormatEqualsTheSafetensorsWeights() throws IOException {
        try (ShardedCheckpoint c = ShardedCheckpoint.open(pickles("zip"))) {
            assertThat(c.files().getFirst()).isInstanceOf(TorchCheckpointFile.class);
            assertEqualsTinyLlama(c);
        }
    }

    @Test
    void bf16AndF16TensorsEqualTheReferenceRoundedToTheirDtype() throws IOException {
        try (ShardedCheckpoint c = ShardedCheckpoint.open(pickles("zip-bf16"))) {
            List<String> dtypes = c.names().stream().map(n -> c.info(n).dtype()).distinct().sorted().toList();
            assertThat(dtypes).containsExactly("BF16", "F16");
            assertEqualsTinyLlama(c);
        }
    }

    @Test
    void legacyFormatWithAStridedViewAndASharedStorage() throws IOException {
        try (ShardedCheckpoint c = ShardedCheckpoint.open(pickles("legacy"))) {
            assertEqualsTinyLlama(c);
        }
    }

    @Test
    void shardedFolderWithItsIndex() throws IOException {
        try (ShardedCheckpoint c = ShardedCheckpoint.open(pickles("sharded"))) {
            assertThat(c.files()).hasSize(2);
            assertEqualsTinyLlama(c);
        }
    }

    @Test
    void mmengineCheckpointYieldsItsStateDict() throws IOException {
        try (ShardedCheckpoint c = ShardedCheckpoint.open(pickles("xtuner-pth", "iter_6.pth"))) {
            assertEqualsTinyLlama(c);
        }
    }

    @Test
    void storedEntriesAreSlicesOfTheMapping() throws IOException {
        // Zero-copy: a contiguous tensor's data is a read-only view of the mapped file, not a fresh buffer.
        try (TensorFile f = TorchCheckpointFile.open(pickles("zip", "pytorch_model.bin"))) {
            assertThat(f.data("lm_head.weight").isMapped()).isTrue();
            assertThat(f.data("lm_head.weight").isReadOnly()).isTrue();
        }
    }

    @Test
    void evilPicklesAreRefusedNamingTheGlobalAndNothingRuns() throws IOException {
        List<String[]> cases = List.of(
                new String[] {"os-system.bin", "posix.system"},
                new String[] {"builtins-eval.bin", "__builtin__.eval"},
                new String[] {"stack-global.bin", "subprocess.Popen"},
                new String[] {"hidden-in-tensor.bin", "posix.system"});
        for (String[] c : cases) {
            Path file = pickles("evil", c[0]);
            assertThatThrownBy(() -> ShardedCheckpoint.open(file).close())
                    .isInstanceOf(TorchCheckpointException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("refused global '" + c[1] + "'");
        }
        try (Stream<Path> tmpFiles = Files.list(Path.of("/tmp"))) {
            assertThat(tmpFiles.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("jtuner-evil-")))
                    .as("files the evil pickles would have created").isEmpty();
        }
    }

    @Test
    void truncatedZipNamesTheFileAndTheFirstMissingTensor() {
        Path file = pickles("broken", "truncated.bin");
        assertThatThrownBy(() -> TorchCheckpointFile.open(file).close())
                .isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("truncated")
                .hasMessageMatching("(?s).*tensor '[a-z_.0-9]+' \\(storage data/\\d+\\) is (missing|cut off).*");
    }

    @Test
    void storageShorterThanItsTensorNamesTheTensor() {
        Path file = pickles("broken", "short-storage.bin");
        assertThatThrownBy(() -> TorchCheckpointFile.open(file).close())
                .isInstanceOf(TorchCheckpointException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("tensor 'lm_head.weight'")
                .hasMessageContaining("holds only 8192 elements");
    }

    @Test
    void aFileCutAnywhereIsAnErrorNeverACrash() throws IOException {
        byte[] all = Files.readAllBytes(pickles("legacy", "pytorch_model.bin"));
        byte[] zip = Files.readAllBytes(pickles("zip", "pytorch_model.bin"));
        for (byte[] src : List.of(all, zip)) {
            for (int cut : new int[] {9, 100, 1000, 2300, src.length / 2, src.length - 30, src.length - 1}) {
                Path f = tmp.resolve("cut-" + cut + ".bin");
                Files.write(f, java.util.Arrays.copyOf(src, cut));
                assertThatThrownBy(() -> TorchCheckpointFile.open(f).close()).as("cut at " + cut)
                        .isInstanceOf(TorchCheckpointException.class).hasMessageContaining(f.toString());
            }
        }
    }
}

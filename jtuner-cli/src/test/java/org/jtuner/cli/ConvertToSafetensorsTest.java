package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code jtuner convert to-safetensors}: the pickled tiny-llama folders become safetensors with the same tensors. */
class ConvertToSafetensorsTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"zip", "sharded", "legacy"})
    void picklesBecomeSafetensorsHoldingTinyLlamasWeights(String variant) throws Exception {
        Path dir = tmp.resolve(variant);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(Fixtures.path("torch-pickles", variant))) {
            for (Path f : files.toList()) Files.copy(f, dir.resolve(f.getFileName()));
        }
        CliErrorsTest.Run r = CliErrorsTest.run("convert", "to-safetensors", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        boolean sharded = variant.equals("sharded");
        assertThat(dir.resolve(sharded ? "model.safetensors.index.json" : "model.safetensors")).exists();
        // What ShardedCheckpoint.open now reads is the safetensors (it prefers them), equal to tiny-llama's.
        try (ShardedCheckpoint got = ShardedCheckpoint.open(dir);
             SafetensorsFile want = SafetensorsFile.open(Fixtures.path("tiny-llama", "model.safetensors"))) {
            assertThat(got.files()).allMatch(f -> f instanceof SafetensorsFile);
            assertThat(got.files().size() > 1).isEqualTo(sharded);
            assertThat(got.names()).containsExactlyElementsOf(want.names());
            for (String n : want.names()) assertThat(got.readFloats(n)).as(n).containsExactly(want.readFloats(n));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"nothing"})
    void aFolderWithoutPicklesIsBadInput(String ignored) {
        CliErrorsTest.Run r = CliErrorsTest.run("convert", "to-safetensors", tmp.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("jtuner convert to-safetensors: ").contains("no PyTorch weights");
    }
}

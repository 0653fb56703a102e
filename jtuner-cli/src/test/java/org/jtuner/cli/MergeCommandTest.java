package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner merge} on {@code tiny-llava-xtuner-release} (tiny-llava split as XTuner publishes it, base weights
 * W − (α/r)·B·A): the merged folder forwards as tiny-llava's reference (logits, loss, gradients).
 */
class MergeCommandTest {
    static final double TOL = 1e-5;

    @TempDir
    Path tmp;

    /** The merge command line the fixture's merge_args.json asks for. */
    static List<String> mergeArgs(Path release, Path out) throws Exception {
        JsonNode a = new ObjectMapper().readTree(release.resolve("merge_args.json").toFile());
        return new ArrayList<>(List.of("merge", "--llm", release.resolve("llm").toString(),
                "--llm-adapter", release.resolve("llm_adapter").toString(),
                "--visual-encoder", release.resolve("visual_encoder").toString(),
                "--visual-encoder-adapter", release.resolve("visual_encoder_adapter").toString(),
                "--projector", release.resolve("projector").toString(),
                "--visual-select-layer", a.get("visual_select_layer").asText(),
                "--select-strategy", a.get("select_strategy").asText(),
                "--image-token-index", a.get("image_token_index").asText(),
                "--output", out.toString()));
    }

    @Test
    void theMergedReleaseForwardsAsTinyLlava() throws Exception {
        Path release = Fixtures.path("tiny-llava-xtuner-release");
        Path out = tmp.resolve("merged");
        CliErrorsTest.Run r = CliErrorsTest.run(mergeArgs(release, out).toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        LlavaReference.assertMatches(out, release.resolve("reference.safetensors"), TOL);
        // The published llava-hf key layout: the tower under vision_tower.vision_model.
        try (ShardedCheckpoint c = ShardedCheckpoint.open(out)) {
            assertThat(c.names()).contains("vision_tower.vision_model.embeddings.patch_embedding.weight",
                    "language_model.lm_head.weight", "language_model.model.embed_tokens.weight",
                    "multi_modal_projector.linear_2.bias");
            assertThat(c.names()).noneMatch(n -> n.contains("lora_"));
        }
    }

    @Test
    void anLlmAndItsAdapterAloneMergeIntoTheLlm() throws Exception {
        Path release = Fixtures.path("tiny-llava-xtuner-release");
        Path out = tmp.resolve("llm");
        CliErrorsTest.Run r = CliErrorsTest.run("merge", "--llm", release.resolve("llm").toString(),
                "--llm-adapter", release.resolve("llm_adapter").toString(), "--output", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        // merged = tiny-llava's language model, weight for weight
        try (ShardedCheckpoint got = ShardedCheckpoint.open(out);
             SafetensorsFile want = SafetensorsFile.open(Fixtures.path("tiny-llava", "model.safetensors"))) {
            for (String key : got.names()) {
                float[] w = want.readFloats("language_model." + key);
                assertThat(LlavaReference.relErr(got.readFloats(key), w)).as(key).isLessThan(TOL); // fp32 rounding of W − ΔW + ΔW
            }
            assertThat(got.names()).hasSize(21); // embed, 2 × 9 layer weights, norm, lm_head
        }
    }

    @Test
    void aClipTowerAndItsAdapterAloneMergeIntoTheTower() throws Exception {
        Path release = Fixtures.path("tiny-llava-xtuner-release");
        Path out = tmp.resolve("clip");
        CliErrorsTest.Run r = CliErrorsTest.run("merge", "--visual-encoder", release.resolve("visual_encoder").toString(),
                "--visual-encoder-adapter", release.resolve("visual_encoder_adapter").toString(), "--output", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (ShardedCheckpoint got = ShardedCheckpoint.open(out);
             SafetensorsFile want = SafetensorsFile.open(Fixtures.path("tiny-llava", "model.safetensors"))) {
            assertThat(got.names()).allMatch(n -> n.startsWith("vision_model."));
            for (String key : got.names()) {
                float[] w = want.readFloats("vision_tower." + key.substring("vision_model.".length()));
                assertThat(LlavaReference.relErr(got.readFloats(key), w)).as(key).isLessThan(TOL); // fp32 rounding of W − ΔW + ΔW
            }
        }
    }

    @Test
    void aProjectorWithoutBothPartsIsAUsageError() {
        CliErrorsTest.Run r = CliErrorsTest.run("merge", "--llm", "x", "--projector", "p", "--output", tmp.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("jtuner merge: --projector needs both --llm and --visual-encoder\n");
    }
}

package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The whole tiny-mllama (vision model, projector, text model) against transformers 4.47.1: from the processor's
 * pixel_values, aspect_ratio_ids/mask and cross_attention_mask, the logits, the loss and every stored gradient
 * (vision embeddings and their gates, local and global layers, projector, cross-attention layer and gates,
 * self-attention layer, embed_tokens, lm_head) agree to 1e-5, with the intermediate vision_output and
 * cross_attention_states; the fixture's batch is the mixed one (row 1 text only, its image slot padded), whose row 1
 * follows transformers 4.47.1 (its cross-attention half is added: 6.7% from the text_only run); without
 * pixel_values the text_only run.
 */
class MllamaForConditionalGenerationParityTest {

    @Test
    void logitsLossAndEveryGradientMatchTransformers() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.load(dir, false);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            try (AutoCloseable ng = Autograd.noGrad()) {
                Tensor visionOutput = model.visionModel().forward(ref.tensor("pixel_values"), ref.ints("aspect_ratio_ids"),
                        ref.ints("aspect_ratio_mask"));
                assertThat(visionOutput.shape()).containsExactly(ref.shape("vision_output"));
                double visionErr = ReferenceTensors.relErr(visionOutput.toFloatArray(), ref.floats("vision_output"));
                // [B, images·tiles·tokens, D] is the fixture's [B·images·tiles, tokens, D] in the same order.
                double statesErr = ReferenceTensors.relErr(model.crossAttentionStates(visionOutput).toFloatArray(),
                        ref.floats("cross_attention_states"));
                System.out.printf("tiny-mllama from pixels: vision_output rel err %.3g, cross_attention_states %.3g%n",
                        visionErr, statesErr);
                assertThat(visionErr).isLessThan(1e-5);
                assertThat(statesErr).isLessThan(1e-5);
            }
            Tensor logits = model.forward(ref.ints("input_ids"), ref.ints("attention_mask"), ref.tensor("pixel_values"),
                    ref.ints("aspect_ratio_ids"), ref.ints("aspect_ratio_mask"), ref.ints("cross_attention_mask"));
            assertMixedBatchRows(logits.toFloatArray(), ref);
            double logitErr = MllamaTextModelParityTest.validRelErr(logits.toFloatArray(), ref.floats("logits"),
                    ref.intArray("attention_mask"));
            Tensor loss = MllamaForConditionalGeneration.loss(logits, ref.ints("labels"));
            double lossErr = Math.abs(loss.item() - ref.floats("loss")[0]) / ref.floats("loss")[0];
            System.out.printf("tiny-mllama full model: logits rel err %.3g, loss %.7f (rel err %.3g)%n", logitErr, loss.item(), lossErr);
            assertThat(logitErr).isLessThan(1e-5);
            assertThat(lossErr).isLessThan(1e-5);
            loss.backward();
            List<String> grads = ref.names().stream().filter(n -> n.startsWith("grad.")).toList();
            assertThat(grads).hasSize(40);
            double worst = 0;
            for (String g : grads) {
                Parameter p = model.parameter(g.substring("grad.".length()));
                assertThat(p).as(g).isNotNull();
                assertThat(p.value().grad()).as("gradient of %s", g).isNotNull();
                double err = ReferenceTensors.relErr(p.value().grad().toFloatArray(), ref.floats(g));
                System.out.printf("tiny-mllama %s rel err %.3g%n", g, err);
                assertThat(err).as(g).isLessThan(1e-5);
                worst = Math.max(worst, err);
            }
            System.out.printf("tiny-mllama full model: %d gradients, worst rel err %.3g%n", grads.size(), worst);
        }
    }

    /**
     * Each row alone equals the reference (row 0 with its image; row 1 text only in the mixed batch), and row 1 is
     * transformers' mixed-batch value, not the text_only run's (fixtures/README.md, section Mllama).
     */
    private static void assertMixedBatchRows(float[] logits, ReferenceTensors ref) {
        int[] mask = ref.intArray("attention_mask");
        int rowLen = mask.length / 2, n = rowLen * MllamaTextModelParityTest.VOCAB;
        float[] expected = ref.floats("logits");
        for (int b = 0; b < 2; b++) {
            double err = MllamaTextModelParityTest.validRelErr(Arrays.copyOfRange(logits, b * n, (b + 1) * n),
                    Arrays.copyOfRange(expected, b * n, (b + 1) * n), Arrays.copyOfRange(mask, b * rowLen, (b + 1) * rowLen));
            System.out.printf("tiny-mllama full model: row %d logits rel err %.3g%n", b, err);
            assertThat(err).as("row %d", b).isLessThan(1e-5);
        }
        double fromTextOnly = MllamaTextModelParityTest.validRelErr(Arrays.copyOfRange(logits, n, 2 * n),
                ref.floats("text_only.logits"), ref.intArray("text_only.attention_mask"));
        System.out.printf("tiny-mllama full model: mixed-batch row 1 vs text_only run %.3g%n", fromTextOnly);
        assertThat(fromTextOnly).isBetween(0.05, 0.09); // the fixture's 6.7%
    }

    @Test
    void textOnlyRunSkipsTheCrossAttentionLayers() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.load(dir, false);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor logits = model.forward(ref.ints("text_only.input_ids"), ref.ints("text_only.attention_mask"), null, null, null, null);
            double err = MllamaTextModelParityTest.validRelErr(logits.toFloatArray(), ref.floats("text_only.logits"),
                    ref.intArray("text_only.attention_mask"));
            assertThat(err).isLessThan(1e-5);
        }
    }

    /** Every checkpoint tensor is a parameter, by the same name (the hub layout is 4.47's in-memory layout). */
    @Test
    void parameterNamesAreTheCheckpointKeys() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.load(dir, false);
             ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertThat(model.namedParameters().keySet()).containsExactlyInAnyOrderElementsOf(ckpt.names());
        }
    }
}

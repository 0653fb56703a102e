package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
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
 * self-attention layer, embed_tokens, lm_head) agree to 1e-5; without pixel_values the text_only run.
 */
class MllamaForConditionalGenerationParityTest {

    @Test
    void logitsLossAndEveryGradientMatchTransformers() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.load(dir, false);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            Tensor logits = model.forward(ref.ints("input_ids"), ref.ints("attention_mask"), ref.tensor("pixel_values"),
                    ref.ints("aspect_ratio_ids"), ref.ints("aspect_ratio_mask"), ref.ints("cross_attention_mask"));
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

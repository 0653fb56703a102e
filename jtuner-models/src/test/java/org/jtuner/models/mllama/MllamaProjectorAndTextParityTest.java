package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * tiny-mllama's projector and text model composed as MllamaForConditionalGeneration, from the fixture's
 * {@code vision_output} (the vision encoder's output, made by transformers 4.47.1): the projector gives
 * {@code cross_attention_states}, and logits, loss and every stored gradient of the projector and language model
 * match. (The vision encoder's own parity is MllamaVisionModel's test.)
 */
class MllamaProjectorAndTextParityTest {

    @Test
    void fromVisionOutputTheFullModelMatchesTransformers() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForConditionalGeneration model = new MllamaForConditionalGeneration(MllamaConfig.load(dir), null, null);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            model.loadWeights(dir, false);
            Tensor visionOutput = ref.tensor("vision_output");
            try (Scope inner = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
                double err = ReferenceTensors.relErr(model.crossAttentionStates(visionOutput).toFloatArray(),
                        ref.floats("cross_attention_states"));
                System.out.printf("tiny-mllama cross_attention_states rel err %.3g%n", err);
                assertThat(err).isLessThan(1e-5);
            }
            Tensor logits = model.forwardFromVisionOutput(ref.ints("input_ids"), ref.ints("attention_mask"), visionOutput,
                    ref.ints("cross_attention_mask"));
            double logitErr = MllamaTextModelParityTest.validRelErr(logits.toFloatArray(), ref.floats("logits"),
                    ref.intArray("attention_mask"));
            Tensor loss = MllamaForConditionalGeneration.loss(logits, ref.ints("labels"));
            double lossErr = Math.abs(loss.item() - ref.floats("loss")[0]) / ref.floats("loss")[0];
            System.out.printf("tiny-mllama from vision_output: logits rel err %.3g, loss rel err %.3g%n", logitErr, lossErr);
            assertThat(logitErr).isLessThan(1e-5);
            assertThat(lossErr).isLessThan(1e-5);
            loss.backward();
            List<String> grads = ref.names().stream().filter(n -> n.startsWith("grad.") && !n.startsWith("grad.vision_model.")).toList();
            assertThat(grads).hasSize(22);
            for (String g : grads) {
                Parameter p = model.parameter(g.substring("grad.".length()));
                assertThat(p).as(g).isNotNull();
                double err = ReferenceTensors.relErr(p.value().grad().toFloatArray(), ref.floats(g));
                System.out.printf("tiny-mllama %s rel err %.3g%n", g, err);
                assertThat(err).as(g).isLessThan(1e-5);
            }
        }
    }
}

package org.jtuner.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jtuner.models.llama.Refs.assertClose;
import static org.jtuner.models.llama.Refs.relativeError;

import java.nio.file.Path;
import java.util.List;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * tiny-llama and tiny-qwen2 against transformers: logits at the real (attention_mask 1) positions, the loss with
 * the causal shift, and every gradient the reference kept.
 */
class LlamaParityTest {
    static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2"})
    void logitsLossAndGradientsMatchTransformers(String fixture) throws Exception {
        Path dir = Fixtures.path(fixture);
        try (LlamaForCausalLM model = LlamaForCausalLM.load(dir);
             SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
             Scope scope = Scope.open()) {
            Tensor ids = Refs.ints(ref, "input_ids");
            Tensor mask = Refs.ints(ref, "attention_mask");
            Tensor labels = Refs.ints(ref, "labels");

            Tensor logits = model.forwardIds(ids, mask);
            int vocab = model.config().vocabSize();
            assertThat(logits.shape()).containsExactly(ids.shape()[0], ids.shape()[1], vocab);
            assertClose(fixture + " logits (valid positions)",
                    relativeError(logits.toFloatArray(), ref.readFloats("logits"), vocab, mask.toIntArray()), TOLERANCE);

            Tensor loss = LlamaForCausalLM.causalLmLoss(logits, labels);
            assertClose(fixture + " loss", relativeError(new float[] {loss.item()}, ref.readFloats("loss")), TOLERANCE);

            loss.backward();
            List<String> grads = ref.names().stream().filter(n -> n.startsWith("grad.")).toList();
            assertThat(grads).isNotEmpty();
            for (String g : grads) {
                String name = g.substring("grad.".length());
                Parameter p = model.parameter(name);
                assertThat(p).as("parameter " + name).isNotNull();
                assertThat(p.value().grad()).as("gradient of " + name).isNotNull();
                assertClose(fixture + " " + g, relativeError(p.value().grad().toFloatArray(), ref.readFloats(g)), TOLERANCE);
            }
        }
    }
}

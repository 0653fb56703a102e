package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Random;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * XTuner's {@code iter_N.pth} (mmengine's dict: {@code meta}, {@code state_dict}, {@code message_hub}) as
 * {@code model.pretrained_pth}: its weights, bare language-model keys here, land in the LLaVA's language model.
 */
class PretrainedPthTest {
    @Test
    void iterPthLoadsIntoTheLanguageModel() throws Exception {
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.assemble(Fixtures.path("tiny-llama"),
                Fixtures.path("tiny-clip-vision"), new Random(0));
             SafetensorsFile want = SafetensorsFile.open(Fixtures.path("tiny-llama", "model.safetensors"))) {
            Map<String, Parameter> params = model.namedParameters();
            // Zero the language model first, so that only the .pth can bring its weights back.
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                if (e.getKey().startsWith("model.language_model.") || e.getKey().startsWith("lm_head.")) {
                    Parameter p = e.getValue();
                    p.set(Scope.unscoped(() -> Tensor.zeros(p.shape())));
                }
            }
            ModelSetup.loadPretrained(model, Fixtures.path("torch-pickles", "xtuner-pth", "iter_6.pth"));
            for (String key : want.names()) {
                String name = key.startsWith("model.") ? "model.language_model." + key.substring(6) : key;
                assertThat(params.get(name).value().toFloatArray()).as(name).containsExactly(want.readFloats(key));
            }
        }
    }

    @Test
    void xtunerLlavaModelKeysMapToOurs() {
        assertThat(PretrainedKeys.candidates("llm.base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight"))
                .contains("model.language_model.layers.0.self_attn.q_proj.lora_A.weight");
        assertThat(PretrainedKeys.candidates("visual_encoder.vision_model.encoder.layers.1.mlp.fc1.bias"))
                .contains("model.vision_tower.encoder.layers.1.mlp.fc1.bias");
        assertThat(PretrainedKeys.candidates("projector.model.2.weight")).contains("model.multi_modal_projector.linear_2.weight");
        assertThat(PretrainedKeys.candidates("llm.lm_head.weight")).contains("lm_head.weight");
    }
}

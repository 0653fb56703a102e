package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.KeyMap;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Lora;
import org.jtuner.nn.LoraSpec;
import org.jtuner.nn.Module;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA on the mllama vision model through models/peft: adapters on every attention and MLP projection of the local
 * and global layers, saved under PEFT's names for the vision model inside {@code MllamaForConditionalGeneration}
 * ({@code base_model.model.vision_model.transformer.layers.0.self_attn.q_proj.lora_A.weight}), loaded back to the
 * same output, and merged into the base weights to the same output.
 */
class MllamaVisionLoraTest {
    private static final String PREFIX = PeftAdapters.KEY_PREFIX + MllamaVisionModel.CHECKPOINT_PREFIX;

    @Test
    void adapterSavesUnderPeftNamesReloadsAndMerges(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        LoraSpec spec = LoraSpec.targets(4, 8, 0, MllamaVisionModel.LORA_TARGET_MODULES);
        try (MllamaVisionModel model = MllamaVisionModel.load(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"))) {
            List<String> adapted = PeftAdapters.apply(model, spec, false, new Random(7));
            assertThat(adapted).hasSize(6 * (3 + 2)).contains("transformer.layers.0.self_attn.q_proj",
                    "global_transformer.layers.1.mlp.fc2");
            randomiseLoraB(model, new Random(8)); // B starts at 0, which would make every check below trivial
            float[] base;
            try (MllamaVisionModel plain = MllamaVisionModel.load(dir)) {
                base = output(plain, ref);
            }
            float[] adapted1 = output(model, ref);
            assertThat(ReferenceTensors.relErr(adapted1, base)).as("the adapter changes the output").isGreaterThan(1e-3);

            Path adapter = tmp.resolve("adapter");
            PeftAdapters.save(model, spec, adapter, dir.toString(), null, KeyMap.prefix(PREFIX));
            try (SafetensorsFile f = SafetensorsFile.open(adapter.resolve(PeftAdapters.WEIGHTS_FILE))) {
                assertThat(f.names()).hasSize(2 * 30)
                        .contains(PREFIX + "transformer.layers.0.self_attn.q_proj.lora_A.weight",
                                PREFIX + "global_transformer.layers.1.mlp.fc2.lora_B.weight")
                        .allMatch(n -> n.startsWith(PREFIX));
            }
            ObjectNode config = HfConfigs.readJson(adapter.resolve(PeftAdapters.CONFIG_FILE));
            assertThat(config.get("peft_type").asText()).isEqualTo("LORA");
            assertThat(config.get("r").asInt()).isEqualTo(4);
            assertThat(config.get("lora_alpha").asDouble()).isEqualTo(8.0);

            try (MllamaVisionModel again = MllamaVisionModel.load(dir)) {
                PeftAdapters.load(again, adapter, false, KeyMap.prefix(PREFIX));
                ReferenceTensors.assertSame(output(again, ref), adapted1, "vision output after reloading the adapter");
            }
            assertThat(Lora.merge(model)).isEqualTo(30);
            assertThat(ReferenceTensors.relErr(output(model, ref), adapted1)).as("merged vs adapter").isLessThan(1e-5);
        }
    }

    private static float[] output(MllamaVisionModel model, ReferenceTensors ref) throws Exception {
        try (Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            return model.forward(ref.tensor("pixel_values"), ref.ints("aspect_ratio_ids"), ref.ints("aspect_ratio_mask"))
                    .toFloatArray();
        }
    }

    private static void randomiseLoraB(Module model, Random random) {
        for (Module m : model.namedModules().values()) {
            if (m instanceof Linear l && l.hasLora()) {
                Tensor b = l.loraB().weight().value();
                l.loraB().weight().set(Scope.unscoped(() -> Tensor.randn(random, 0.05, b.shape())));
            }
        }
    }
}

package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.SafetensorsFile;
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
 * LoRA on tiny-mllama's text model: the adapters sit on every self-attention, cross-attention and MLP projection
 * (PEFT's regex full-matches these paths), the saved adapter has PEFT's keys and config, it loads back to the same
 * logits, and merging it into the weights gives the logits of adapter + base. Stages: each part's gates train with it.
 */
class MllamaLoraTest {

    private static MllamaForConditionalGeneration load(Path dir) throws Exception {
        MllamaForConditionalGeneration m = new MllamaForConditionalGeneration(MllamaConfig.load(dir), null, null);
        m.loadWeights(dir, false);
        return m;
    }

    @Test
    void textLoraHasPeftNamesAndMergesToTheSameLogits(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama"), out = tmp.resolve("adapter");
        try (MllamaForConditionalGeneration model = load(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            List<String> adapted = MllamaTraining.addTextLora(model, 4, 8, 0.0, new Random(5));
            // 3 self-attention layers × (q,k,v,o) + the cross-attention layer's q,k,v,o + 4 MLPs × 3
            assertThat(adapted).hasSize(3 * 4 + 4 + 4 * 3)
                    .contains("language_model.model.layers.2.cross_attn.k_proj", "language_model.model.layers.0.self_attn.q_proj",
                            "language_model.model.layers.2.mlp.up_proj")
                    .allMatch(p -> Pattern.compile(MllamaTraining.TEXT_LORA_TARGETS).matcher(p).matches());
            assertThat(model.parameter("language_model.model.layers.0.self_attn.q_proj.weight").trainable()).isFalse();
            Random r = new Random(6);
            model.namedModules().forEach((n, m) -> {
                if (m instanceof Linear l && l.hasLora()) {
                    int[] shape = l.loraB().weight().shape();
                    float[] v = new float[shape[0] * shape[1]];
                    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.05);
                    l.loraB().weight().set(Scope.unscoped(() -> Tensor.of(v, shape)));
                }
            });
            Tensor ids = ref.ints("input_ids"), mask = ref.ints("attention_mask"), xmask = ref.ints("cross_attention_mask");
            Tensor vision = ref.tensor("vision_output");
            float[] base;
            try (MllamaForConditionalGeneration plain = load(dir)) {
                base = plain.forwardFromVisionOutput(ids, mask, vision, xmask).toFloatArray();
            }
            float[] adapter = model.forwardFromVisionOutput(ids, mask, vision, xmask).toFloatArray();
            double change = MllamaTextModelParityTest.validRelErr(adapter, base, ref.intArray("attention_mask"));
            assertThat(change).as("the adapter changes the logits").isGreaterThan(1e-3);

            LoraSpec spec = MllamaTraining.textLoraSpec(4, 8, 0.0);
            PeftAdapters.save(model, spec, out, "meta-llama/Llama-3.2-11B-Vision-Instruct", "CAUSAL_LM");
            try (SafetensorsFile f = SafetensorsFile.open(out.resolve(PeftAdapters.WEIGHTS_FILE))) {
                assertThat(f.names()).hasSize(2 * adapted.size()).contains(
                        "base_model.model.language_model.model.layers.2.cross_attn.q_proj.lora_A.weight",
                        "base_model.model.language_model.model.layers.2.cross_attn.q_proj.lora_B.weight",
                        "base_model.model.language_model.model.layers.1.mlp.down_proj.lora_A.weight");
            }
            assertPeftLayout(model, out, adapted);
            ObjectNode c = HfConfigs.readJson(out.resolve(PeftAdapters.CONFIG_FILE));
            assertThat(c.get("peft_type").asText()).isEqualTo("LORA");
            assertThat(c.get("task_type").asText()).isEqualTo("CAUSAL_LM");
            assertThat(c.get("r").asInt()).isEqualTo(4);
            assertThat(c.get("lora_alpha").asDouble()).isEqualTo(8.0);
            assertThat(c.get("target_modules").asText()).isEqualTo(MllamaTraining.TEXT_LORA_TARGETS);

            try (MllamaForConditionalGeneration reloaded = load(dir)) {
                PeftAdapters.load(reloaded, out);
                ReferenceTensors.assertSame(reloaded.forwardFromVisionOutput(ids, mask, vision, xmask).toFloatArray(), adapter,
                        "adapter reloaded from PEFT files");
            }
            assertThat(Lora.merge(model)).isEqualTo(adapted.size());
            assertThat(model.namedParameters().keySet()).noneMatch(n -> n.contains("lora_"));
            double merged = MllamaTextModelParityTest.validRelErr(model.forwardFromVisionOutput(ids, mask, vision, xmask).toFloatArray(),
                    adapter, ref.intArray("attention_mask"));
            System.out.printf("tiny-mllama text LoRA: adapter changes logits by %.3g; merged vs adapter + base %.3g%n", change, merged);
            assertThat(merged).isLessThan(1e-5);
        }
    }

    /**
     * What PEFT writes, by its documented checkpoint format (docs: developer_guides/checkpoint, "PEFT checkpoint
     * format": the adapter's state_dict with the adapter name removed, keys
     * {@code base_model.model.<module path>.lora_A.weight} of shape [r, in] and {@code ...lora_B.weight} of shape
     * [out, r]) and by a config PEFT 0.21 itself wrote (the tiny-llama-lora fixture): the same fields (less
     * {@code auto_mapping}, which PEFT writes only without a task type), and the same value for every field that is
     * not specific to the adapter.
     */
    private static void assertPeftLayout(MllamaForConditionalGeneration model, Path out, List<String> adapted) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(out.resolve(PeftAdapters.WEIGHTS_FILE))) {
            for (String path : adapted) {
                Linear base = (Linear) model.namedModules().get(path);
                int outDim = base.weight().shape()[0], inDim = base.weight().shape()[1];
                assertThat(f.info("base_model.model." + path + ".lora_A.weight").shape()).as(path).containsExactly(4L, (long) inDim);
                assertThat(f.info("base_model.model." + path + ".lora_B.weight").shape()).as(path).containsExactly((long) outDim, 4L);
            }
            assertThat(f.names()).allMatch(n -> n.startsWith("base_model.model.") && !n.contains(".default."));
            assertThat(f.metadata()).containsEntry("format", "pt");
        }
        ObjectNode peft = HfConfigs.readJson(Fixtures.path("tiny-llama-lora").resolve("adapter_config.json"));
        ObjectNode ours = HfConfigs.readJson(out.resolve(PeftAdapters.CONFIG_FILE));
        java.util.Set<String> expected = new java.util.TreeSet<>();
        peft.fieldNames().forEachRemaining(expected::add);
        expected.remove("auto_mapping");
        java.util.Set<String> got = new java.util.TreeSet<>();
        ours.fieldNames().forEachRemaining(got::add);
        assertThat(got).isEqualTo(expected);
        java.util.Set<String> adapterSpecific = java.util.Set.of("base_model_name_or_path", "init_lora_weights", "r",
                "lora_alpha", "target_modules", "task_type");
        for (String field : expected) {
            if (!adapterSpecific.contains(field)) assertThat(ours.get(field)).as(field).isEqualTo(peft.get(field));
        }
    }

    @Test
    void gatesTrainWithTheirPart() throws Exception {
        try (MllamaForConditionalGeneration model = load(Fixtures.path("tiny-mllama"))) {
            MllamaTraining.setTrainableParts(model, false, true, false);
            assertThat(model.trainableParameters()).hasSize(2); // the projector
            assertThat(model.parameter("language_model.model.layers.2.cross_attn_attn_gate").trainable()).isFalse();
            MllamaTraining.setTrainableParts(model, false, true, true);
            assertThat(model.parameter("language_model.model.layers.2.cross_attn_attn_gate").trainable()).isTrue();
            assertThat(model.parameter("language_model.model.layers.2.cross_attn_mlp_gate").trainable()).isTrue();
            assertThat(model.parameter("language_model.lm_head.weight").trainable()).isTrue();
            assertThat(model.parameter("multi_modal_projector.weight").trainable()).isTrue();
            MllamaTraining.setTrainableParts(model, false, false, true);
            assertThat(model.parameter("multi_modal_projector.weight").trainable()).isFalse();
            assertThat(((Module) model.languageModel()).parameterCount(true)).isEqualTo(model.parameterCount(true));
        }
    }
}

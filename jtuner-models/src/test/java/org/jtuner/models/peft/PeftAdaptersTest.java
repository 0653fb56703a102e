package org.jtuner.models.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llama.Refs;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Lora;
import org.jtuner.nn.LoraSpec;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny-llama-lora fixture (PEFT 0.21): loading, merging, and writing adapters PEFT can read. */
class PeftAdaptersTest {
    static final double TOLERANCE = 1e-5;

    @Test
    void fixtureAdapterGivesPeftLogitsAndMergesIntoPeftMergedWeights() throws Exception {
        Path base = Fixtures.path("tiny-llama"), lora = Fixtures.path("tiny-llama-lora");
        try (LlamaForCausalLM m = LlamaForCausalLM.load(base);
             SafetensorsFile ref = SafetensorsFile.open(lora.resolve("reference.safetensors"));
             SafetensorsFile merged = SafetensorsFile.open(lora.resolve("merged/model.safetensors"));
             Scope s = Scope.open()) {
            PeftAdapters.LoadedAdapter a = PeftAdapters.load(m, lora);
            assertThat(a.adapted()).hasSize(6).contains("model.layers.0.self_attn.q_proj", "model.layers.1.mlp.down_proj");
            assertThat(a.useRslora()).isFalse();
            Linear q = (Linear) m.module("model.layers.0.self_attn.q_proj");
            assertThat(q.loraScaling()).isEqualTo(2.0);
            assertThat(q.weight().trainable()).isFalse();
            assertThat(q.loraA().weight().trainable()).as("inference: frozen adapters").isFalse();

            Tensor ids = Refs.ints(ref, "input_ids"), mask = Refs.ints(ref, "attention_mask");
            int v = m.config().vocabSize();
            Refs.assertClose("tiny-llama-lora logits_with_adapter", Refs.relativeError(m.forwardIds(ids, mask).toFloatArray(),
                    ref.readFloats("logits_with_adapter"), v, mask.toIntArray()), TOLERANCE);

            assertThat(Lora.merge(m)).isEqualTo(6);
            assertThat(m.parameterNames()).noneMatch(n -> n.contains("lora_"));
            Refs.assertClose("tiny-llama-lora logits_merged", Refs.relativeError(m.forwardIds(ids, mask).toFloatArray(),
                    ref.readFloats("logits_merged"), v, mask.toIntArray()), TOLERANCE);
            assertThat(new HashSet<>(m.parameterNames())).isEqualTo(new HashSet<>(merged.names()));
            double worst = 0;
            for (String n : merged.names()) {
                double e = Refs.relativeError(m.parameter(n).value().toFloatArray(), merged.readFloats(n), 1, null);
                worst = Math.max(worst, e);
            }
            Refs.assertClose("tiny-llama-lora merged weights (worst tensor)", worst, 1e-6);
        }
    }

    @Test
    void savedAdapterHasPeftsKeysAndFieldsAndRoundTrips(@TempDir Path tmp) throws Exception {
        Path base = Fixtures.path("tiny-llama"), lora = Fixtures.path("tiny-llama-lora");
        LoraSpec spec = LoraSpec.targets(4, 8, 0.0, List.of("v_proj", "q_proj", "down_proj"));
        Path out = tmp.resolve("adapter"), outNoTask = tmp.resolve("adapter-no-task");
        float[] before;
        try (LlamaForCausalLM m = LlamaForCausalLM.load(base);
             SafetensorsFile ref = SafetensorsFile.open(lora.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            PeftAdapters.apply(m, spec, false, new Random(3));
            randomiseB(m, new Random(4)); // B starts at zero; make the adapter matter
            before = m.forwardIds(Refs.ints(ref, "input_ids"), Refs.ints(ref, "attention_mask")).toFloatArray();
            PeftAdapters.save(m, spec, out, "/tmp/fx/tiny-llama");
            PeftAdapters.save(m, spec, outNoTask, "/tmp/fx/tiny-llama", null);
        }

        try (SafetensorsFile want = SafetensorsFile.open(lora.resolve("adapter_model.safetensors"));
             SafetensorsFile got = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
            assertThat(got.names()).containsExactlyElementsOf(want.names());
            for (String n : want.names()) {
                assertThat(got.info(n).shape()).as(n).containsExactly(want.info(n).shape());
                assertThat(got.info(n).dtype()).isEqualTo(want.info(n).dtype());
            }
            assertThat(got.metadata()).isEqualTo(want.metadata());
        }

        ObjectNode fixture = HfConfigs.readJson(lora.resolve("adapter_config.json"));
        ObjectNode noTask = HfConfigs.readJson(outNoTask.resolve("adapter_config.json"));
        ObjectNode causal = HfConfigs.readJson(out.resolve("adapter_config.json"));
        assertThat(fieldNames(noTask)).isEqualTo(fieldNames(fixture));
        Set<String> withoutAutoMapping = fieldNames(fixture);
        withoutAutoMapping.remove("auto_mapping"); // PEFT writes it only when there is no task type
        assertThat(fieldNames(causal)).isEqualTo(withoutAutoMapping);
        assertThat(causal.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        for (String field : fieldNames(fixture)) {
            if (field.equals("init_lora_weights") || field.equals("target_modules")) continue; // fixture: init false
            assertThat(noTask.get(field)).as(field).isEqualTo(fixture.get(field));
        }
        assertThat(texts(noTask.get("target_modules"))).containsExactlyInAnyOrderElementsOf(texts(fixture.get("target_modules")));
        // byte layout as PEFT writes it: json.dumps(indent=2, sort_keys=True), no newline at the end
        String text = Files.readString(out.resolve("adapter_config.json"));
        assertThat(text).startsWith("{\n  \"alora_invocation_tokens\": null,\n").endsWith("\n}");

        try (LlamaForCausalLM fresh = LlamaForCausalLM.load(base);
             SafetensorsFile ref = SafetensorsFile.open(lora.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            PeftAdapters.load(fresh, out, true);
            assertThat(((Linear) fresh.module("model.layers.1.self_attn.v_proj")).loraB().weight().trainable()).isTrue();
            float[] after = fresh.forwardIds(Refs.ints(ref, "input_ids"), Refs.ints(ref, "attention_mask")).toFloatArray();
            assertThat(after).containsExactly(before);
        }
    }

    @Test
    void rsloraScalesByAlphaOverRootRAndRoundTrips(@TempDir Path tmp) throws Exception {
        Path base = Fixtures.path("tiny-llama");
        LoraSpec spec = new LoraSpec(4, 8, 0.0, List.of(), ".*\\.(q_proj|o_proj)", false, List.of());
        float[] before;
        int[] ids = {1, 5, 9, 200, 7};
        try (LlamaForCausalLM m = LlamaForCausalLM.load(base); Scope s = Scope.open()) {
            PeftAdapters.apply(m, spec, true, new Random(5));
            randomiseB(m, new Random(6));
            assertThat(((Linear) m.module("model.layers.0.self_attn.o_proj")).loraScaling()).isEqualTo(4.0); // 8/√4
            before = m.forwardIds(Tensor.ofInts(ids, 1, ids.length), null).toFloatArray();
            PeftAdapters.save(m, spec, tmp, "base");
        }
        ObjectNode c = HfConfigs.readJson(tmp.resolve("adapter_config.json"));
        assertThat(c.get("use_rslora").asBoolean()).isTrue();
        assertThat(c.get("lora_alpha").asInt()).isEqualTo(8);
        assertThat(c.get("target_modules").asText()).isEqualTo(".*\\.(q_proj|o_proj)");
        try (LlamaForCausalLM m = LlamaForCausalLM.load(base); Scope s = Scope.open()) {
            PeftAdapters.LoadedAdapter a = PeftAdapters.load(m, tmp);
            assertThat(a.useRslora()).isTrue();
            assertThat(a.adapted()).hasSize(4);
            assertThat(m.forwardIds(Tensor.ofInts(ids, 1, ids.length), null).toFloatArray()).containsExactly(before);
        }
    }

    @Test
    void unsupportedSettingsAreRefusedByName(@TempDir Path tmp) throws Exception {
        Path lora = Fixtures.path("tiny-llama-lora");
        Files.copy(lora.resolve("adapter_model.safetensors"), tmp.resolve("adapter_model.safetensors"));
        ObjectNode c = HfConfigs.readJson(lora.resolve("adapter_config.json"));
        c.put("use_dora", true);
        HfConfigs.write(tmp.resolve("adapter_config.json"), c);
        try (LlamaForCausalLM m = LlamaForCausalLM.load(Fixtures.path("tiny-llama"))) {
            assertThatThrownBy(() -> PeftAdapters.load(m, tmp)).hasMessageContaining("DoRA")
                    .hasMessageContaining("adapter_config.json");
        }
    }

    // ---------------------------------------------------------------- helpers

    private static void randomiseB(LlamaForCausalLM m, Random random) {
        m.namedModules().values().forEach(mod -> {
            if (mod instanceof Linear l && l.hasLora()) {
                int[] shape = l.loraB().weight().shape();
                l.loraB().weight().set(Scope.unscoped(() -> Tensor.randn(random, 0.1, shape)));
            }
        });
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> out = new HashSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static List<String> texts(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(e -> out.add(e.asText()));
        return out;
    }
}

package org.jtuner.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.LlamaConfig;
import org.jtuner.io.config.RopeParameters;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mistral's sliding window, rope scaling, fresh initialisation and save_pretrained's layout. */
class LlamaVariantsTest {

    @Test
    void mistralWithinItsSlidingWindowIsLlamaAndLongerSequencesAreRefused(@TempDir Path tmp) throws Exception {
        Path llama = Fixtures.path("tiny-llama");
        Path mistral = tmp.resolve("mistral");
        Files.createDirectories(mistral);
        Files.copy(llama.resolve("model.safetensors"), mistral.resolve("model.safetensors"));
        ObjectNode c = HfConfigs.readJson(llama.resolve("config.json"));
        c.put("model_type", "mistral").put("sliding_window", 13);
        HfConfigs.write(mistral.resolve("config.json"), c);

        try (LlamaForCausalLM a = LlamaForCausalLM.load(llama); LlamaForCausalLM b = LlamaForCausalLM.load(mistral);
             SafetensorsFile ref = SafetensorsFile.open(llama.resolve("reference.safetensors")); Scope s = Scope.open()) {
            Tensor ids = Refs.ints(ref, "input_ids"), mask = Refs.ints(ref, "attention_mask"); // 13 positions
            assertThat(b.forwardIds(ids, mask).toFloatArray()).containsExactly(a.forwardIds(ids, mask).toFloatArray());
            int[] longer = new int[14];
            assertThatThrownBy(() -> b.forwardIds(Tensor.ofInts(longer, 1, 14), null))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("sliding_window (13)");
        }
    }

    @Test
    void linearRopeScalingDividesPositions() {
        RotaryEmbedding plain = new RotaryEmbedding(RopeParameters.plain(10000), 16);
        RotaryEmbedding linear = new RotaryEmbedding(new RopeParameters("linear", 10000, 4.0, Map.of()), 16);
        try (Scope s = Scope.open()) {
            float[] a = plain.tables(org.jtuner.tensor.Device.CPU, new int[] {3}, 1, 1)[0].toFloatArray();
            float[] b = linear.tables(org.jtuner.tensor.Device.CPU, new int[] {12}, 1, 1)[0].toFloatArray();
            for (int i = 0; i < a.length; i++) assertThat(b[i]).isCloseTo(a[i], org.assertj.core.data.Offset.offset(2e-6f));
        }
    }

    @Test
    void llama3RopeKeepsHighFrequenciesAndScalesLowOnes() {
        RopeParameters p = new RopeParameters("llama3", 500000, 8.0, Map.of("low_freq_factor", 1.0,
                "high_freq_factor", 4.0, "original_max_position_embeddings", 8192.0));
        float[] plain = RotaryEmbedding.inverseFrequencies(RopeParameters.plain(500000), 128);
        float[] scaled = RotaryEmbedding.inverseFrequencies(p, 128);
        assertThat(scaled[0]).isEqualTo(plain[0]);                      // wavelength 2π < 2048: unchanged
        assertThat(scaled[63]).isEqualTo((float) (plain[63] / 8.0));    // wavelength > 8192: divided by factor
        assertThatThrownBy(() -> RotaryEmbedding.inverseFrequencies(new RopeParameters("yarn", 1e4, 2, Map.of()), 16))
                .hasMessageContaining("not supported");
    }

    @Test
    void createdModelHasTransformersNamesAndInitialisation() {
        LlamaConfig c = LlamaConfig.fromJson(HfConfigs.parse("{\"model_type\":\"qwen2\",\"vocab_size\":50,"
                + "\"hidden_size\":32,\"intermediate_size\":48,\"num_hidden_layers\":1,\"num_attention_heads\":4,"
                + "\"num_key_value_heads\":2,\"tie_word_embeddings\":true}").raw());
        try (LlamaForCausalLM m = LlamaForCausalLM.create(c, new Random(1))) {
            assertThat(m.parameterNames()).containsExactly(
                    "model.embed_tokens.weight",
                    "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj.bias",
                    "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.k_proj.bias",
                    "model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.v_proj.bias",
                    "model.layers.0.self_attn.o_proj.weight",
                    "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                    "model.layers.0.mlp.down_proj.weight",
                    "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight",
                    "model.norm.weight");
            float[] w = m.parameter("model.layers.0.self_attn.q_proj.weight").value().toFloatArray();
            double sq = 0;
            for (float x : w) sq += x * x;
            assertThat(Math.sqrt(sq / w.length)).isCloseTo(0.02, org.assertj.core.data.Offset.offset(0.003));
            assertThat(m.parameter("model.norm.weight").value().toFloatArray()).containsOnly(1f);
            assertThat(m.parameter("model.layers.0.self_attn.q_proj.bias").value().toFloatArray()).containsOnly(0f);
        }
    }

    @Test
    void savedModelHasSavePretrainedKeysAndValues(@TempDir Path tmp) throws Exception {
        for (String fixture : List.of("tiny-llama", "tiny-qwen2")) {
            Path dir = Fixtures.path(fixture);
            Path out = tmp.resolve(fixture);
            try (LlamaForCausalLM m = LlamaForCausalLM.load(dir)) {
                m.save(out);
            }
            try (SafetensorsFile want = SafetensorsFile.open(dir.resolve("model.safetensors"));
                 SafetensorsFile got = SafetensorsFile.open(out.resolve("model.safetensors"))) {
                assertThat(got.names()).containsExactlyElementsOf(want.names());
                for (String n : want.names()) assertThat(got.readFloats(n)).as(n).containsExactly(want.readFloats(n));
                assertThat(got.metadata()).containsEntry("format", "pt");
            }
            assertThat(HfConfigs.readJson(out.resolve("config.json"))).isEqualTo(HfConfigs.readJson(dir.resolve("config.json")));
        }
    }
}

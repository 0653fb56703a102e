package org.jtuner.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.SafetensorsWriter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No InternLM2 fixture exists, so tiny-llama's weights are re-laid out here as an InternLM2 checkpoint (renamed
 * keys, q/k/v packed into wqkv the way modeling_internlm2.py unpacks it: {@code (h gs d)}, gs = q_per_kv + 2), with
 * an internlm2 config.json; loading it must give tiny-llama's logits exactly.
 */
class InternLm2LayoutTest {
    static final int HEADS = 4, KV_HEADS = 2, HEAD_DIM = 16, HIDDEN = 64;

    @Test
    void internLm2CheckpointOfTinyLlamaGivesIdenticalLogits(@TempDir Path tmp) throws Exception {
        Path llama = Fixtures.path("tiny-llama");
        Path internlm = tmp.resolve("internlm2");
        writeAsInternLm2(llama, internlm);

        try (LlamaForCausalLM a = LlamaForCausalLM.load(llama);
             LlamaForCausalLM b = LlamaForCausalLM.load(internlm);
             SafetensorsFile ref = SafetensorsFile.open(llama.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            assertThat(b.config().modelType()).isEqualTo("internlm2");
            Tensor ids = Refs.ints(ref, "input_ids"), mask = Refs.ints(ref, "attention_mask");
            float[] la = a.forwardIds(ids, mask).toFloatArray();
            float[] lb = b.forwardIds(ids, mask).toFloatArray();
            assertThat(lb).as("InternLM2 layout logits").containsExactly(la);

            // Saving packs q/k/v back: the same tensors as the checkpoint written by hand.
            Path saved = tmp.resolve("saved");
            b.save(saved);
            try (SafetensorsFile want = SafetensorsFile.open(internlm.resolve("model.safetensors"));
                 SafetensorsFile got = SafetensorsFile.open(saved.resolve("model.safetensors"))) {
                assertThat(got.names()).containsExactlyInAnyOrderElementsOf(want.names());
                for (String n : want.names()) {
                    assertThat(got.info(n).shape()).as(n).containsExactly(want.info(n).shape());
                    assertThat(got.readFloats(n)).as(n).containsExactly(want.readFloats(n));
                }
            }
            assertThat(HfConfigs.readJson(saved.resolve("config.json")).get("model_type").asText()).isEqualTo("internlm2");
        }
    }

    /** tiny-llama's weights under InternLM2's names, written independently of the code under test. */
    static void writeAsInternLm2(Path llama, Path out) throws Exception {
        Files.createDirectories(out);
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(llama.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                if (n.matches(".*self_attn\\.[qkv]_proj\\.weight")) continue;
                String key = n.replace("model.embed_tokens.", "model.tok_embeddings.")
                        .replace("self_attn.o_proj", "attention.wo")
                        .replace("mlp.gate_proj", "feed_forward.w1")
                        .replace("mlp.up_proj", "feed_forward.w3")
                        .replace("mlp.down_proj", "feed_forward.w2")
                        .replace("input_layernorm", "attention_norm")
                        .replace("post_attention_layernorm", "ffn_norm")
                        .replace("lm_head.", "output.");
                w.addFloats(key, f.info(n).shape(), f.readFloats(n));
            }
            for (int layer = 0; layer < 2; layer++) {
                String p = "model.layers." + layer + ".self_attn.";
                float[] q = f.readFloats(p + "q_proj.weight"), k = f.readFloats(p + "k_proj.weight"),
                        v = f.readFloats(p + "v_proj.weight");
                // rearrange(qkv, "b q (h gs d) -> b q h gs d"): per kv head h: its q heads, then k, then v
                List<float[]> rows = new ArrayList<>();
                int groups = HEADS / KV_HEADS;
                for (int h = 0; h < KV_HEADS; h++) {
                    for (int g = 0; g < groups; g++) addHead(rows, q, h * groups + g);
                    addHead(rows, k, h);
                    addHead(rows, v, h);
                }
                float[] packed = new float[rows.size() * HIDDEN];
                for (int r = 0; r < rows.size(); r++) System.arraycopy(rows.get(r), 0, packed, r * HIDDEN, HIDDEN);
                w.addFloats("model.layers." + layer + ".attention.wqkv.weight", new long[] {rows.size(), HIDDEN}, packed);
            }
        }
        w.write(out.resolve("model.safetensors"));

        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add("InternLM2ForCausalLM");
        c.put("model_type", "internlm2").put("vocab_size", 384).put("hidden_size", HIDDEN).put("intermediate_size", 160)
                .put("num_hidden_layers", 2).put("num_attention_heads", HEADS).put("num_key_value_heads", KV_HEADS)
                .put("hidden_act", "silu").put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0)
                .put("max_position_embeddings", 256).put("bias", false).put("tie_word_embeddings", false)
                .put("bos_token_id", 1).put("eos_token_id", 2).put("pad_token_id", 0).putNull("rope_scaling");
        HfConfigs.write(out.resolve("config.json"), c);
    }

    private static void addHead(List<float[]> rows, float[] w, int head) {
        for (int r = 0; r < HEAD_DIM; r++) {
            int row = head * HEAD_DIM + r;
            rows.add(Arrays.copyOfRange(w, row * HIDDEN, (row + 1) * HIDDEN));
        }
    }
}

package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Llama-3.2-Vision folder as Meta publishes it on the hub: a config that spells out every field (the fixture's
 * config.full.json), the weights in BF16, split into {@code model-0000k-of-0000N.safetensors} shards listed by
 * {@code model.safetensors.index.json}. The whole model loads from it, frozen with its matrices kept BF16, and from
 * pixels gives the logits of an F32 model holding the same BF16-rounded values; both stay near transformers' F32
 * logits (BF16 rounding of the weights is all that separates them).
 */
class MllamaShardedBf16LoadTest {

    @Test
    void shardedBf16FolderLoadsFrozenInBf16AndGivesTheLogitsOfItsRoundedValues(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama"), hub = tmp.resolve("Llama-3.2-Vision-bf16");
        Files.createDirectories(hub);
        Files.copy(dir.resolve("config.full.json"), hub.resolve("config.json"));
        List<TensorEntry> entries = new ArrayList<>();
        long bytes = 0;
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            for (String name : ckpt.names()) {
                TensorEntry e = TensorEntry.ofFloats(name, "BF16", ckpt.info(name).shape(), ckpt.readFloats(name));
                entries.add(e);
                bytes += e.byteSize();
            }
        }
        List<Path> written = ShardedCheckpoint.write(hub, entries, Map.of("format", "pt"), 100_000);
        assertThat(written.size()).isGreaterThan(3);
        JsonNode index = new ObjectMapper().readTree(hub.resolve("model.safetensors.index.json").toFile());
        assertThat(index.at("/metadata/total_size").asLong()).isEqualTo(bytes);
        assertThat(index.get("weight_map").size()).isEqualTo(entries.size());
        assertThat(index.at("/weight_map/language_model.lm_head.weight").asText()).matches("model-\\d{5}-of-\\d{5}\\.safetensors");

        try (MllamaForConditionalGeneration half = MllamaForConditionalGeneration.load(hub, true);
             MllamaForConditionalGeneration full = MllamaForConditionalGeneration.load(hub, false);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            assertThat(half.trainableParameters()).isEmpty();
            for (String name : List.of("vision_model.transformer.layers.0.self_attn.q_proj.weight",
                    "vision_model.gated_positional_embedding.tile_embedding.weight",
                    "language_model.model.layers.2.cross_attn.k_proj.weight", "language_model.model.embed_tokens.weight",
                    "multi_modal_projector.weight")) {
                assertThat(half.parameter(name).value().dtype()).as(name).isEqualTo(DType.BF16);
                assertThat(full.parameter(name).value().dtype()).as(name).isEqualTo(DType.F32);
            }
            // vectors (here the gates, which go through tanh) load as F32
            assertThat(half.parameter("vision_model.gated_positional_embedding.gate").value().dtype()).isEqualTo(DType.F32);
            assertThat(half.parameter("language_model.model.layers.2.cross_attn_attn_gate").value().dtype()).isEqualTo(DType.F32);
            float[] a = logits(half, ref), b = logits(full, ref);
            int[] mask = ref.intArray("attention_mask");
            double sameValues = MllamaTextModelParityTest.validRelErr(a, b, mask);
            double fromF32 = MllamaTextModelParityTest.validRelErr(a, ref.floats("logits"), mask);
            System.out.printf("tiny-mllama BF16 shards (%d files): frozen BF16 vs F32 of the same values %.3g, vs transformers' F32 logits %.3g%n",
                    written.size() - 1, sameValues, fromF32);
            assertThat(sameValues).isLessThan(1e-5);
            assertThat(fromF32).isBetween(1e-5, 5e-2);
        }
    }

    private static float[] logits(MllamaForConditionalGeneration m, ReferenceTensors ref) {
        Tensor logits = m.forward(ref.ints("input_ids"), ref.ints("attention_mask"), ref.tensor("pixel_values"),
                ref.ints("aspect_ratio_ids"), ref.ints("aspect_ratio_mask"), ref.ints("cross_attention_mask"));
        return logits.toFloatArray();
    }
}

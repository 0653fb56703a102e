package org.jtuner.models.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.tensor.GradCheck;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipVisionModelTest {
    static final double TOL = 1e-5;

    @Test
    void matchesTransformersHiddenStatesLastStateAndPooler() throws Exception {
        Path dir = Fixtures.path("tiny-clip-vision");
        try (ClipVisionModel model = ClipVisionModel.loadVisionTower(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            ClipVisionOutput out = model.forward(ref.tensor("pixel_values"));
            assertThat(out.hiddenStates()).hasSize(4);
            for (int i = 0; i < out.hiddenStates().size(); i++) {
                Tensor h = out.hiddenStates().get(i);
                assertThat(h.shape()).containsExactly(ref.shape("hidden_states." + i));
                double err = ReferenceTensors.relErr(h.toFloatArray(), ref.floats("hidden_states." + i));
                System.out.printf("tiny-clip-vision hidden_states.%d rel err %.3g%n", i, err);
                assertThat(err).as("hidden_states.%d", i).isLessThan(TOL);
            }
            double last = ReferenceTensors.relErr(out.lastHiddenState().toFloatArray(), ref.floats("last_hidden_state"));
            double pool = ReferenceTensors.relErr(out.poolerOutput().toFloatArray(), ref.floats("pooler_output"));
            System.out.printf("tiny-clip-vision last_hidden_state rel err %.3g, pooler_output %.3g%n", last, pool);
            assertThat(last).isLessThan(TOL);
            assertThat(out.poolerOutput().shape()).containsExactly(2, 48);
            assertThat(pool).isLessThan(TOL);
        }
    }

    @Test
    void parameterNamesAreTheCheckpointKeys() throws Exception {
        Path dir = Fixtures.path("tiny-clip-vision");
        try (ClipVisionModel model = ClipVisionModel.loadVisionTower(dir); ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertThat(model.namedParameters().keySet()).containsExactlyInAnyOrderElementsOf(ckpt.names());
            assertThat(model.namedParameters()).containsKeys("embeddings.class_embedding",
                    "embeddings.patch_embedding.weight", "embeddings.position_embedding.weight", "pre_layrnorm.weight",
                    "encoder.layers.2.self_attn.out_proj.bias", "encoder.layers.0.mlp.fc1.weight", "post_layernorm.bias");
        }
    }

    /** A full CLIPModel folder (model_type clip, keys vision_model.* plus a text tower) loads the same tower. */
    @Test
    void loadsTheVisionPartOfAFullClipCheckpoint(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-clip-vision");
        var visionJson = HfConfigs.readJson(dir.resolve("config.json"));
        var full = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        full.put("model_type", "clip");
        full.set("vision_config", visionJson);
        full.putObject("text_config").put("model_type", "clip_text_model").put("hidden_size", 8);
        HfConfigs.write(tmp.resolve("config.json"), full);
        List<TensorEntry> entries = new ArrayList<>();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            for (String name : ckpt.names()) {
                entries.add(TensorEntry.ofFloats("vision_model." + name, ckpt.info(name).shape(), ckpt.readFloats(name)));
            }
        }
        entries.add(TensorEntry.ofFloats("text_model.final_layer_norm.weight", new long[] {8}, new float[8]));
        entries.add(TensorEntry.ofFloats("visual_projection.weight", new long[] {32, 48}, new float[32 * 48]));
        entries.add(TensorEntry.ofFloats("logit_scale", new long[] {}, new float[1]));
        entries.add(TensorEntry.ofLongs("vision_model.embeddings.position_ids", new long[] {1, 17}, new long[17]));
        ShardedCheckpoint.write(tmp, entries, Map.of(), Long.MAX_VALUE);

        try (ClipVisionModel a = ClipVisionModel.loadVisionTower(dir); ClipVisionModel b = ClipVisionModel.loadVisionTower(tmp);
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor pixels = Tensor.randn(new Random(3), 1, 1, 3, 32, 32);
            ReferenceTensors.assertSame(b.forward(pixels).poolerOutput().toFloatArray(),
                    a.forward(pixels).poolerOutput().toFloatArray(), "pooler output of the full-CLIP load");
        }
    }

    @Test
    void hiddenStatesUpToALayerRunOnlyThoseLayers() throws Exception {
        ClipVisionConfig config = HfConfigs.load(Fixtures.path("tiny-clip-vision"), ClipVisionConfig.class);
        try (ClipVisionModel model = ClipVisionModel.create(config, new Random(1));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor pixels = Tensor.randn(new Random(2), 1, 2, 3, 32, 32);
            List<Tensor> two = model.hiddenStates(pixels, 2);
            ClipVisionOutput all = model.forward(pixels);
            assertThat(two).hasSize(3);
            ReferenceTensors.assertSame(two.get(2).toFloatArray(), all.hiddenStates().get(2).toFloatArray(), "layer 2");
            assertThat(model.forwardCount()).isEqualTo(2);
            assertThatThrownBy(() -> model.hiddenStates(pixels, 4)).hasMessageContaining("has 3");
            assertThatThrownBy(() -> model.forward(Tensor.zeros(1, 3, 16, 16))).hasMessageContaining("image_size 32");
        }
    }

    /** Gradients through the whole tower (embeddings, attention, MLP, both norms) agree with finite differences. */
    @Test
    void gradientsMatchFiniteDifferences() throws Exception {
        ClipVisionConfig config = HfConfigs.load(Fixtures.path("tiny-clip-vision"), ClipVisionConfig.class);
        try (ClipVisionModel model = ClipVisionModel.create(config, new Random(4))) {
            Tensor pixels = Scope.unscoped(() -> Tensor.randn(new Random(5), 1, 1, 3, 32, 32)).requiresGrad(true);
            Tensor w = model.encoder().layers().get(0).selfAttn().qProj().weight().value();
            Tensor patch = model.embeddings().patchEmbedding().weight().value();
            GradCheck.check("clip tower", in -> model.forward(in[0]).poolerOutput(), pixels, w, patch);
            pixels.close();
        }
    }
}

package org.jtuner.io.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * MllamaVisionConfig against tiny-mllama's two configs: {@code config.json} (HF's diff against the defaults) and
 * {@code config.full.json} (every field spelled out by transformers 4.47.1) must give the same values; the defaults
 * are transformers 4.47.1's (configuration_mllama.py).
 */
class MllamaVisionConfigTest {

    private static MllamaVisionConfig load(String file) throws IOException {
        return MllamaVisionConfig.fromMllamaConfig(HfConfigs.readJson(Fixtures.path("tiny-mllama", file)));
    }

    @Test
    void sparseAndFullFixtureConfigsAgree() throws IOException {
        MllamaVisionConfig sparse = load("config.json"), full = load("config.full.json");
        for (MllamaVisionConfig c : List.of(sparse, full)) {
            assertThat(c.hiddenSize()).isEqualTo(32);
            assertThat(c.hiddenAct()).isEqualTo("gelu");
            assertThat(c.numHiddenLayers()).isEqualTo(3);
            assertThat(c.numGlobalLayers()).isEqualTo(2);
            assertThat(c.attentionHeads()).isEqualTo(4);
            assertThat(c.numChannels()).isEqualTo(3);
            assertThat(c.intermediateSize()).isEqualTo(64);
            assertThat(c.visionOutputDim()).isEqualTo(96);
            assertThat(c.imageSize()).isEqualTo(32);
            assertThat(c.patchSize()).isEqualTo(8);
            assertThat(c.normEps()).isEqualTo(1e-5);
            assertThat(c.maxNumTiles()).isEqualTo(4);
            assertThat(c.intermediateLayersIndices()).containsExactly(1, 2);
            assertThat(c.supportedAspectRatios()).isEqualTo(List.of(List.of(1, 1), List.of(1, 2), List.of(1, 3),
                    List.of(1, 4), List.of(2, 1), List.of(2, 2), List.of(3, 1), List.of(4, 1)));
            assertThat(c.initializerRange()).isEqualTo(0.06);
            assertThat(c.numPatchesWithCls()).isEqualTo(17);
            assertThat(c.paddedTokensPerTile()).isEqualTo(24);
            assertThat(c.maxAspectRatioId()).isEqualTo(8);
            assertThat(c.headDim()).isEqualTo(8);
        }
        // The two differ only in the raw JSON they keep.
        assertThat(withoutRaw(sparse)).isEqualTo(withoutRaw(full));
    }

    private static List<Object> withoutRaw(MllamaVisionConfig c) {
        return List.of(c.hiddenSize(), c.hiddenAct(), c.numHiddenLayers(), c.numGlobalLayers(), c.attentionHeads(),
                c.numChannels(), c.intermediateSize(), c.visionOutputDim(), c.imageSize(), c.patchSize(), c.normEps(),
                c.maxNumTiles(), c.intermediateLayersIndices(), c.supportedAspectRatios(), c.initializerRange());
    }

    @Test
    void anEmptyVisionConfigTakesTransformersDefaults() {
        MllamaVisionConfig c = MllamaVisionConfig.fromMllamaConfig(JsonNodeFactory.instance.objectNode());
        assertThat(c.hiddenSize()).isEqualTo(1280);
        assertThat(c.numHiddenLayers()).isEqualTo(32);
        assertThat(c.numGlobalLayers()).isEqualTo(8);
        assertThat(c.attentionHeads()).isEqualTo(16);
        assertThat(c.intermediateSize()).isEqualTo(5120);
        assertThat(c.visionOutputDim()).isEqualTo(7680);
        assertThat(c.imageSize()).isEqualTo(448);
        assertThat(c.patchSize()).isEqualTo(14);
        assertThat(c.intermediateLayersIndices()).containsExactly(3, 7, 15, 23, 30);
        assertThat(c.supportedAspectRatios()).hasSize(8);
        assertThat(c.numPatchesWithCls()).isEqualTo(1025);
        assertThat(c.paddedTokensPerTile()).isEqualTo(1032);
    }

    @Test
    void numAttentionHeadsIsReadWhenAttentionHeadsIsAbsent() {
        ObjectNode json = tiny();
        json.remove("attention_heads");
        assertThat(MllamaVisionConfig.fromJson(json.put("num_attention_heads", 8)).attentionHeads()).isEqualTo(8);
        assertThat(MllamaVisionConfig.fromJson(tiny().put("num_attention_heads", 8).put("attention_heads", 2))
                .attentionHeads()).isEqualTo(2);
    }

    @Test
    void negativeIntermediateIndicesResolveLikePython() {
        ObjectNode json = tiny();
        json.putArray("intermediate_layers_indices").add(-1).add(0);
        assertThat(MllamaVisionConfig.fromJson(json).resolvedIntermediateLayers()).containsExactly(3, 0);
    }

    @Test
    void unknownAndUnsupportedFieldsAreNamed() {
        assertThatThrownBy(() -> MllamaVisionConfig.fromJson(tiny().put("hiden_size", 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hiden_size");
        assertThatThrownBy(() -> MllamaVisionConfig.fromJson(tiny().put("hidden_act", "mish")))
                .hasMessageContaining("hidden_act 'mish'");
        assertThatThrownBy(() -> MllamaVisionConfig.fromJson(tiny().put("vision_output_dim", 64)))
                .hasMessageContaining("vision_output_dim");
        assertThatThrownBy(() -> MllamaVisionConfig.fromJson(tiny().put("max_num_tiles", 6)))
                .hasMessageContaining("max_num_tiles");
        assertThatThrownBy(() -> MllamaVisionConfig.fromJson(tiny().put("model_type", "clip_vision_model")))
                .hasMessageContaining("model_type");
        ObjectNode badRatio = tiny();
        badRatio.putArray("supported_aspect_ratios").addArray().add(3).add(2);
        assertThatThrownBy(() -> MllamaVisionConfig.fromJson(badRatio)).hasMessageContaining("[3, 2]");
        ObjectNode badIndex = tiny();
        badIndex.putArray("intermediate_layers_indices").add(1).add(4);
        assertThatThrownBy(() -> MllamaVisionConfig.fromJson(badIndex)).hasMessageContaining("intermediate_layers_indices");
    }

    /** The fixture's vision_config, by hand. */
    private static ObjectNode tiny() {
        ObjectNode json = JsonNodeFactory.instance.objectNode()
                .put("attention_heads", 4).put("hidden_size", 32).put("image_size", 32).put("intermediate_size", 64)
                .put("num_global_layers", 2).put("num_hidden_layers", 3).put("patch_size", 8)
                .put("vision_output_dim", 96);
        json.putArray("intermediate_layers_indices").add(1).add(2);
        return json;
    }
}

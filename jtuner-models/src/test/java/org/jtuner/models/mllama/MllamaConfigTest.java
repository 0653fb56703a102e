package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** MllamaConfig / MllamaTextConfig read as transformers 4.47.1 reads them. */
class MllamaConfigTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** config.json is HF's diff against the defaults; config.full.json spells every field out: the same config. */
    @Test
    void sparseAndFullConfigsAgree() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        MllamaConfig sparse = MllamaConfig.load(dir);
        MllamaConfig full = MllamaConfig.load(dir.resolve("config.full.json"));
        for (MllamaConfig c : new MllamaConfig[] {sparse, full}) {
            MllamaTextConfig t = c.textConfig();
            assertThat(t.llama().rope().theta()).isEqualTo(500000.0);
            assertThat(t.llama().rope().type()).isEqualTo("llama3");
            assertThat(t.llama().rmsNormEps()).isEqualTo(1e-5);
            assertThat(t.llama().numKeyValueHeads()).isEqualTo(2);
            assertThat(t.llama().padTokenId().getAsInt()).isEqualTo(312);
            assertThat(t.crossAttentionLayers()).containsExactly(2);
            assertThat(t.embeddingRows()).isEqualTo(328);
            assertThat(c.imageTokenIndex()).isEqualTo(320);
            assertThat(c.tokensPerTile()).isEqualTo(17);
            assertThat(c.visionOutputDim()).isEqualTo(96);
            assertThat(c.maxNumTiles()).isEqualTo(4);
            assertThat(t.zeroTextOnlyCrossAttention()).isFalse();
        }
        assertThat(sparse.textConfig().llama().rope()).isEqualTo(full.textConfig().llama().rope());
    }

    /** Absent sub-configs take MllamaTextConfig's / MllamaVisionConfig's defaults: Llama-3.2-11B-Vision's text shape. */
    @Test
    void defaultsAreThe11BModel() throws Exception {
        MllamaConfig c = MllamaConfig.fromJson((ObjectNode) JSON.readTree("{\"model_type\": \"mllama\"}"));
        MllamaTextConfig t = c.textConfig();
        assertThat(t.vocabSize()).isEqualTo(128256);
        assertThat(t.hiddenSize()).isEqualTo(4096);
        assertThat(t.numHiddenLayers()).isEqualTo(40);
        assertThat(t.llama().numAttentionHeads()).isEqualTo(32);
        assertThat(t.llama().numKeyValueHeads()).isEqualTo(8);
        assertThat(t.llama().intermediateSize()).isEqualTo(14336);
        assertThat(t.llama().rope().type()).isEqualTo("default");
        assertThat(t.llama().rope().theta()).isEqualTo(500000.0);
        assertThat(t.llama().maxPositionEmbeddings()).isEqualTo(131072);
        assertThat(t.llama().bosTokenId().getAsInt()).isEqualTo(128000);
        assertThat(t.llama().eosTokenIds()).containsExactly(128001);
        assertThat(t.llama().padTokenId().getAsInt()).isEqualTo(128004);
        assertThat(t.crossAttentionLayers()).containsExactly(3, 8, 13, 18, 23, 28, 33, 38);
        assertThat(c.imageTokenIndex()).isEqualTo(128256);
        assertThat(c.tokensPerTile()).isEqualTo(1025); // MllamaVisionConfig defaults to image_size 448 (the hub sets 560): (448 / 14)² + 1
        assertThat(c.visionOutputDim()).isEqualTo(7680);
    }

    @Test
    void unknownAndUnsupportedFieldsAreNamed() throws Exception {
        assertThatThrownBy(() -> MllamaConfig.fromJson((ObjectNode) JSON.readTree(
                "{\"model_type\": \"mllama\", \"text_config\": {\"sliding_window\": 4096}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sliding_window");
        assertThatThrownBy(() -> MllamaConfig.fromJson((ObjectNode) JSON.readTree(
                "{\"model_type\": \"mllama\", \"quantization_config\": {}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quantization_config");
        assertThatThrownBy(() -> MllamaConfig.fromJson((ObjectNode) JSON.readTree(
                "{\"model_type\": \"mllama\", \"text_config\": {\"num_hidden_layers\": 4, \"cross_attention_layers\": [4]}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cross_attention_layers entry 4");
        assertThatThrownBy(() -> MllamaConfig.fromJson((ObjectNode) JSON.readTree(
                "{\"model_type\": \"mllama\", \"text_config\": {\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 2.0}}}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("yarn");
        assertThatThrownBy(() -> MllamaConfig.fromJson((ObjectNode) JSON.readTree("{\"model_type\": \"llava\"}")))
                .hasMessageContaining("expected 'mllama'");
    }

    @Test
    void theMetaSwitchIsReadFromTextConfig() throws Exception {
        ObjectNode json = HfConfigs.readJson(Fixtures.path("tiny-mllama").resolve("config.json"));
        ((ObjectNode) json.get("text_config")).put(MllamaTextConfig.ZERO_TEXT_ONLY_KEY, true);
        assertThat(MllamaConfig.fromJson(json).textConfig().zeroTextOnlyCrossAttention()).isTrue();
    }
}

package org.jtuner.io.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parses the config.json of every fixture model; expected values are read off the files. */
class HfConfigsFixturesTest {
    @TempDir
    Path dir;

    @Test
    void tinyLlama() throws IOException {
        LlamaConfig c = HfConfigs.load(Fixtures.path("tiny-llama"), LlamaConfig.class);
        assertTinyLlama(c, 384);
        assertThat(c.bosTokenId()).hasValue(1);
        assertThat(c.eosTokenIds()).containsExactly(2);
        assertThat(c.padTokenId()).isEmpty(); // "pad_token_id": null
        assertThat(c.dtype()).contains("float32");
        assertThat(c.slidingWindow()).isEmpty();
        assertThat(c.raw().get("transformers_version").asText()).isEqualTo("5.17.0");
    }

    private static void assertTinyLlama(LlamaConfig c, int vocab) {
        assertThat(c.modelType()).isEqualTo("llama");
        assertThat(c.vocabSize()).isEqualTo(vocab);
        assertThat(c.hiddenSize()).isEqualTo(64);
        assertThat(c.intermediateSize()).isEqualTo(160);
        assertThat(c.numHiddenLayers()).isEqualTo(2);
        assertThat(c.numAttentionHeads()).isEqualTo(4);
        assertThat(c.numKeyValueHeads()).isEqualTo(2);
        assertThat(c.queriesPerKeyValueHead()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(16);
        assertThat(c.hiddenAct()).isEqualTo("silu");
        assertThat(c.rmsNormEps()).isEqualTo(1e-5);
        assertThat(c.rope()).isEqualTo(RopeParameters.plain(10000.0));
        assertThat(c.rope().isScaled()).isFalse();
        assertThat(c.maxPositionEmbeddings()).isEqualTo(256);
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.attentionBias()).isFalse();
        assertThat(c.attentionOutputBias()).isFalse();
        assertThat(c.mlpBias()).isFalse();
    }

    @Test
    void tinyLlamaLoraMergedIsTheSameModel() throws IOException {
        LlamaConfig merged = HfConfigs.load(Fixtures.path("tiny-llama-lora", "merged", "config.json"), LlamaConfig.class);
        assertThat(merged).isEqualTo(HfConfigs.load(Fixtures.path("tiny-llama"), LlamaConfig.class));
    }

    @Test
    void tinyQwen2() throws IOException {
        LlamaConfig c = HfConfigs.load(Fixtures.path("tiny-qwen2"), LlamaConfig.class);
        assertThat(c.modelType()).isEqualTo("qwen2");
        assertThat(c.vocabSize()).isEqualTo(400);
        assertThat(c.hiddenSize()).isEqualTo(64);
        assertThat(c.intermediateSize()).isEqualTo(128);
        assertThat(c.numKeyValueHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(16); // no head_dim in the file: hidden / heads
        assertThat(c.rmsNormEps()).isEqualTo(1e-6);
        assertThat(c.rope().theta()).isEqualTo(1e6);
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.attentionBias()).isTrue();        // q/k/v biases, always
        assertThat(c.attentionOutputBias()).isFalse(); // no o_proj bias
        assertThat(c.bosTokenId()).isEmpty();
        assertThat(c.eosTokenIds()).isEmpty();
        assertThat(c.slidingWindow()).isEmpty();       // use_sliding_window false
    }

    @Test
    void tinyClipVision() throws IOException {
        ClipVisionConfig c = HfConfigs.load(Fixtures.path("tiny-clip-vision"), ClipVisionConfig.class);
        assertTinyClip(c);
        assertThat(c.dtype()).contains("float32");
    }

    private static void assertTinyClip(ClipVisionConfig c) {
        assertThat(c.modelType()).isEqualTo("clip_vision_model");
        assertThat(c.hiddenSize()).isEqualTo(48);
        assertThat(c.intermediateSize()).isEqualTo(96);
        assertThat(c.numHiddenLayers()).isEqualTo(3);
        assertThat(c.numAttentionHeads()).isEqualTo(4);
        assertThat(c.imageSize()).isEqualTo(32);
        assertThat(c.patchSize()).isEqualTo(8);
        assertThat(c.numChannels()).isEqualTo(3);
        assertThat(c.hiddenAct()).isEqualTo("quick_gelu");
        assertThat(c.layerNormEps()).isEqualTo(1e-5);
        assertThat(c.projectionDim()).isEqualTo(32);
        assertThat(c.numPatches()).isEqualTo(16);
        assertThat(c.numPositions()).isEqualTo(17);
    }

    @Test
    void tinyLlava() throws IOException {
        LlavaConfig c = HfConfigs.load(Fixtures.path("tiny-llava"), LlavaConfig.class);
        assertThat(c.modelType()).isEqualTo("llava");
        assertTinyLlama(c.textConfig(), 320);
        assertTinyClip(c.visionConfig());
        assertThat(c.imageTokenIndex()).isEqualTo(319);
        assertThat(c.imageSeqLength()).isEqualTo(16);
        assertThat(c.projectorHiddenAct()).isEqualTo("gelu");
        assertThat(c.visionFeatureLayers()).containsExactly(-2);
        assertThat(c.visionFeatureLayer()).isEqualTo(-2);
        assertThat(c.visionFeatureSelectStrategy()).isEqualTo("default");
        assertThat(c.dropsClsToken()).isTrue();
        assertThat(c.multimodalProjectorBias()).isTrue();
        assertThat(c.tieWordEmbeddings()).isFalse();
        assertThat(c.textConfig().raw()).isEqualTo(c.raw().get("text_config"));
    }

    @Test
    void rawWritesBackByteForByteAsTransformersWroteIt() throws IOException {
        for (Path folder : List.of(Fixtures.path("tiny-llama"), Fixtures.path("tiny-qwen2"),
                Fixtures.path("tiny-clip-vision"), Fixtures.path("tiny-llava"), Fixtures.path("tiny-llama-lora", "merged"))) {
            Path copy = dir.resolve("config.json");
            HfConfigs.write(copy, HfConfigs.load(folder).raw());
            assertThat(Files.readString(copy)).as(folder.toString())
                    .isEqualTo(Files.readString(folder.resolve("config.json")));
        }
    }

    @Test
    void editsToRawAreWrittenAndDoNotTouchTheParsedConfig() throws IOException {
        LlamaConfig c = HfConfigs.load(Fixtures.path("tiny-llama"), LlamaConfig.class);
        ObjectNode edited = c.raw();
        edited.put("vocab_size", 400).putObject("rope_parameters").put("rope_type", "linear").put("factor", 2.0);
        assertThat(c.vocabSize()).isEqualTo(384);
        Path file = dir.resolve("config.json");
        HfConfigs.write(file, edited);
        LlamaConfig reread = HfConfigs.load(dir, LlamaConfig.class);
        assertThat(reread.vocabSize()).isEqualTo(400);
        assertThat(reread.rope().type()).isEqualTo("linear");
        assertThat(reread.rope().factor()).isEqualTo(2.0);
        assertThat(reread.rope().theta()).isEqualTo(10000.0); // rope_theta gone from the dict: the default
        assertThat(reread.padTokenId()).isEqualTo(OptionalInt.empty());
        assertThat(reread.dtype()).isEqualTo(Optional.of("float32"));
    }
}

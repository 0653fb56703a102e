package org.jtuner.io.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Missing fields take transformers' defaults; hand-written configs shaped like the ones published on the hub. */
class HfConfigsDefaultsTest {
    @TempDir
    Path dir;

    /** llava-hf/llava-1.5-7b-hf's config: a partial text_config (Vicuna) and vision_config (CLIP ViT-L/14-336). */
    private static final String LLAVA_15 = """
            {
              "architectures": ["LlavaForConditionalGeneration"],
              "ignore_index": -100,
              "image_token_index": 32000,
              "model_type": "llava",
              "pad_token_id": 32001,
              "projector_hidden_act": "gelu",
              "text_config": {
                "_name_or_path": "lmsys/vicuna-7b-v1.5",
                "architectures": ["LlamaForCausalLM"],
                "max_position_embeddings": 4096,
                "model_type": "llama",
                "rms_norm_eps": 1e-05,
                "torch_dtype": "float16",
                "vocab_size": 32064
              },
              "tie_word_embeddings": false,
              "torch_dtype": "float16",
              "vision_config": {
                "hidden_size": 1024,
                "image_size": 336,
                "intermediate_size": 4096,
                "model_type": "clip_vision_model",
                "num_attention_heads": 16,
                "num_hidden_layers": 24,
                "patch_size": 14,
                "projection_dim": 768,
                "vocab_size": 32000
              },
              "vision_feature_layer": -2,
              "vision_feature_select_strategy": "default",
              "vocab_size": 32064
            }""";

    @Test
    void publishedLlava15ConfigFillsInLlamaAndClipDefaults() throws IOException {
        Files.writeString(dir.resolve("config.json"), LLAVA_15);
        LlavaConfig c = HfConfigs.load(dir, LlavaConfig.class);

        LlamaConfig text = c.textConfig();
        assertThat(text.vocabSize()).isEqualTo(32064);
        assertThat(text.hiddenSize()).isEqualTo(4096);
        assertThat(text.intermediateSize()).isEqualTo(11008);
        assertThat(text.numHiddenLayers()).isEqualTo(32);
        assertThat(text.numAttentionHeads()).isEqualTo(32);
        assertThat(text.numKeyValueHeads()).isEqualTo(32);
        assertThat(text.headDim()).isEqualTo(128);
        assertThat(text.rmsNormEps()).isEqualTo(1e-5);
        assertThat(text.maxPositionEmbeddings()).isEqualTo(4096);
        assertThat(text.rope()).isEqualTo(RopeParameters.plain(10000.0));
        assertThat(text.bosTokenId()).hasValue(1);
        assertThat(text.eosTokenIds()).containsExactly(2);
        assertThat(text.dtype()).contains("float16");

        ClipVisionConfig vision = c.visionConfig();
        assertThat(vision.hiddenAct()).isEqualTo("quick_gelu");
        assertThat(vision.layerNormEps()).isEqualTo(1e-5);
        assertThat(vision.numChannels()).isEqualTo(3);
        assertThat(vision.numPatches()).isEqualTo(576);

        assertThat(c.imageTokenIndex()).isEqualTo(32000);
        assertThat(c.imageSeqLength()).isEqualTo(576);
        assertThat(c.multimodalProjectorBias()).isTrue();
        assertThat(c.visionFeatureLayer()).isEqualTo(-2);
        assertThat(c.dtype()).contains("float16");
    }

    @Test
    void llavaWithoutSubConfigsIsLlama7bPlusClipVitL336() {
        LlavaConfig c = (LlavaConfig) HfConfigs.parse("{\"model_type\": \"llava\"}");
        assertThat(c.textConfig()).isEqualTo(LlamaConfig.defaultsOf("llama"));
        assertThat(c.textConfig().vocabSize()).isEqualTo(32000);
        assertThat(c.textConfig().maxPositionEmbeddings()).isEqualTo(2048);
        assertThat(c.textConfig().rmsNormEps()).isEqualTo(1e-6);
        ClipVisionConfig v = c.visionConfig();
        assertThat(new int[] {v.hiddenSize(), v.intermediateSize(), v.numHiddenLayers(), v.numAttentionHeads(),
                v.patchSize(), v.imageSize(), v.projectionDim()}).containsExactly(1024, 4096, 24, 16, 14, 336, 768);
        assertThat(c.imageTokenIndex()).isEqualTo(32000);
        assertThat(c.projectorHiddenAct()).isEqualTo("gelu");
        assertThat(c.visionFeatureSelectStrategy()).isEqualTo("default");
        assertThat(c.imageSeqLength()).isEqualTo(576);
    }

    @Test
    void subConfigsWithoutModelTypeAreLlamaAndClip() {
        LlavaConfig c = (LlavaConfig) HfConfigs.parse("""
                {"model_type": "llava", "image_token_id": 151646,
                 "text_config": {"hidden_size": 128, "num_attention_heads": 8},
                 "vision_config": {"hidden_size": 64, "image_size": 28, "patch_size": 14}}""");
        assertThat(c.textConfig().modelType()).isEqualTo("llama");
        assertThat(c.textConfig().headDim()).isEqualTo(16);
        assertThat(c.visionConfig().modelType()).isEqualTo("clip_vision_model");
        assertThat(c.visionConfig().numPatches()).isEqualTo(4);
        assertThat(c.imageTokenIndex()).isEqualTo(151646); // the image_token_id alias
    }

    @Test
    void qwen2TextConfigInLlavaTakesQwen2DefaultsAndTiesThroughTheTextConfig() {
        LlavaConfig c = (LlavaConfig) HfConfigs.parse("""
                {"model_type": "llava", "vision_feature_layer": [-2, -5, -8], "vision_feature_select_strategy": "full",
                 "text_config": {"model_type": "qwen2", "hidden_size": 896, "num_attention_heads": 14,
                                 "num_key_value_heads": 2, "tie_word_embeddings": true, "rope_theta": 1000000.0}}""");
        LlamaConfig text = c.textConfig();
        assertThat(text.modelType()).isEqualTo("qwen2");
        assertThat(text.vocabSize()).isEqualTo(151936);
        assertThat(text.intermediateSize()).isEqualTo(22016);
        assertThat(text.maxPositionEmbeddings()).isEqualTo(32768);
        assertThat(text.headDim()).isEqualTo(64);
        assertThat(text.rope().theta()).isEqualTo(1e6); // top-level rope_theta (pre-transformers-5 layout)
        assertThat(text.attentionBias()).isTrue();
        assertThat(c.tieWordEmbeddings()).isTrue();
        assertThat(c.visionFeatureLayers()).containsExactly(-2, -5, -8);
        assertThatThrownBy(c::visionFeatureLayer).hasMessageContaining("several layers");
        assertThat(c.dropsClsToken()).isFalse();
    }

    @Test
    void ropeThetaAtTheTopVersusInsideRopeParameters() {
        LlamaConfig top = (LlamaConfig) HfConfigs.parse("{\"model_type\": \"llama\", \"rope_theta\": 500000.0}");
        LlamaConfig inside = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "llama", "rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}}""");
        assertThat(top.rope()).isEqualTo(inside.rope()).isEqualTo(RopeParameters.plain(500000.0));
        // Inside the dict wins over the top level.
        LlamaConfig both = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "llama", "rope_theta": 1.0, "rope_parameters": {"rope_theta": 250000.0}}""");
        assertThat(both.rope().theta()).isEqualTo(250000.0);
        assertThat(both.rope().type()).isEqualTo("default");
    }

    @Test
    void linearRopeScalingInBothForms() {
        LlamaConfig old = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "llama", "rope_theta": 10000.0, "rope_scaling": {"type": "linear", "factor": 4}}""");
        LlamaConfig oldRopeType = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "llama", "rope_scaling": {"rope_type": "linear", "factor": 4.0}}""");
        LlamaConfig v5 = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "llama", "rope_parameters": {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}}""");
        RopeParameters expected = new RopeParameters("linear", 10000.0, 4.0, Map.of());
        assertThat(old.rope()).isEqualTo(expected);
        assertThat(oldRopeType.rope()).isEqualTo(expected);
        assertThat(v5.rope()).isEqualTo(expected);
        assertThat(v5.rope().isScaled()).isTrue();
        // A non-empty rope_scaling wins over rope_parameters, as in transformers.
        LlamaConfig both = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "llama", "rope_scaling": {"type": "linear", "factor": 2.0},
                 "rope_parameters": {"rope_type": "default", "rope_theta": 7.0}}""");
        assertThat(both.rope()).isEqualTo(new RopeParameters("linear", 10000.0, 2.0, Map.of()));
    }

    @Test
    void llama3StyleConfig() {
        LlamaConfig c = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "llama", "vocab_size": 128256, "hidden_size": 4096, "intermediate_size": 14336,
                 "num_attention_heads": 32, "num_key_value_heads": 8, "max_position_embeddings": 131072,
                 "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "rms_norm_eps": 1e-05,
                 "rope_theta": 500000.0,
                 "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                 "torch_dtype": "bfloat16"}""");
        assertThat(c.eosTokenIds()).containsExactly(128001, 128008, 128009);
        assertThat(c.queriesPerKeyValueHead()).isEqualTo(4);
        assertThat(c.rope().type()).isEqualTo("llama3");
        assertThat(c.rope().theta()).isEqualTo(500000.0);
        assertThat(c.rope().factor()).isEqualTo(8.0);
        assertThat(c.rope().extra()).containsEntry("low_freq_factor", 1.0).containsEntry("high_freq_factor", 4.0)
                .containsEntry("original_max_position_embeddings", 8192.0);
        assertThat(c.dtype()).contains("bfloat16");
    }

    @Test
    void perModelTypeDefaults() {
        LlamaConfig llama = LlamaConfig.defaultsOf("llama");
        assertThat(llama.numKeyValueHeads()).isEqualTo(32);
        assertThat(llama.padTokenId()).isEmpty();
        assertThat(llama.slidingWindow()).isEmpty();

        LlamaConfig mistral = LlamaConfig.defaultsOf("mistral");
        assertThat(mistral.numKeyValueHeads()).isEqualTo(8);
        assertThat(mistral.intermediateSize()).isEqualTo(14336);
        assertThat(mistral.maxPositionEmbeddings()).isEqualTo(131072);
        assertThat(mistral.slidingWindow()).hasValue(4096);
        assertThat(mistral.rmsNormEps()).isEqualTo(1e-6);
        assertThat(mistral.attentionBias()).isFalse();

        LlamaConfig qwen2 = LlamaConfig.defaultsOf("qwen2");
        assertThat(qwen2.vocabSize()).isEqualTo(151936);
        assertThat(qwen2.numKeyValueHeads()).isEqualTo(32);
        assertThat(qwen2.rope().theta()).isEqualTo(10000.0);
        assertThat(qwen2.bosTokenId()).isEmpty();
        assertThat(qwen2.eosTokenIds()).isEmpty();
        assertThat(qwen2.tieWordEmbeddings()).isFalse();

        LlamaConfig internlm2 = LlamaConfig.defaultsOf("internlm2");
        assertThat(internlm2.vocabSize()).isEqualTo(103168);
        assertThat(internlm2.attentionBias()).isTrue();
        assertThat(internlm2.attentionOutputBias()).isTrue();
        assertThat(internlm2.padTokenId()).hasValue(0);
        assertThat(internlm2.rmsNormEps()).isEqualTo(1e-6);
        assertThat(internlm2.rope().theta()).isEqualTo(10000.0);
    }

    @Test
    void explicitNullMeansNoneNotTheDefault() {
        // transformers: absent -> class default; None -> None (and for num_key_value_heads, None -> num_attention_heads).
        LlamaConfig qwen2 = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "qwen2", "num_attention_heads": 16, "num_key_value_heads": null}""");
        assertThat(qwen2.numKeyValueHeads()).isEqualTo(16);
        LlamaConfig mistral = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "mistral", "sliding_window": null, "bos_token_id": null}""");
        assertThat(mistral.slidingWindow()).isEmpty();
        assertThat(mistral.bosTokenId()).isEmpty();
        LlamaConfig qwen2Window = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "qwen2", "use_sliding_window": true, "sliding_window": 131072}""");
        assertThat(qwen2Window.slidingWindow()).hasValue(131072);
    }

    @Test
    void internlm2ChatConfig() {
        LlamaConfig c = (LlamaConfig) HfConfigs.parse("""
                {"architectures": ["InternLM2ForCausalLM"], "bias": false, "bos_token_id": 1, "eos_token_id": 2,
                 "hidden_act": "silu", "hidden_size": 4096, "intermediate_size": 14336,
                 "max_position_embeddings": 32768, "model_type": "internlm2", "num_attention_heads": 32,
                 "num_hidden_layers": 32, "num_key_value_heads": 8, "pad_token_id": 2, "rms_norm_eps": 1e-05,
                 "rope_scaling": {"type": "dynamic", "factor": 2.0}, "rope_theta": 1000000,
                 "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 92544}""");
        assertThat(c.attentionBias()).isFalse();
        assertThat(c.attentionOutputBias()).isFalse();
        assertThat(c.rope()).isEqualTo(new RopeParameters("dynamic", 1e6, 2.0, Map.of()));
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.padTokenId()).hasValue(2);
    }

    @Test
    void explicitHeadDimIsKept() {
        LlamaConfig c = (LlamaConfig) HfConfigs.parse("""
                {"model_type": "mistral", "hidden_size": 5120, "num_attention_heads": 32, "head_dim": 128}""");
        assertThat(c.headDim()).isEqualTo(128);
    }

    @Test
    void fullClipConfigYieldsItsVisionTower() {
        ClipVisionConfig c = (ClipVisionConfig) HfConfigs.parse("""
                {"model_type": "clip", "projection_dim": 768, "torch_dtype": "float32",
                 "text_config": {"hidden_size": 768, "model_type": "clip_text_model"},
                 "vision_config": {"hidden_size": 1024, "image_size": 336, "intermediate_size": 4096,
                                   "model_type": "clip_vision_model", "num_attention_heads": 16,
                                   "num_hidden_layers": 24, "patch_size": 14, "projection_dim": 768}}""");
        assertThat(c.hiddenSize()).isEqualTo(1024);
        assertThat(c.numPositions()).isEqualTo(577);
        assertThat(c.hiddenAct()).isEqualTo("quick_gelu");
        assertThat(c.dtype()).contains("float32");
        assertThat(c.raw().has("text_config")).isTrue(); // raw is the whole file

        ClipVisionConfig defaults = (ClipVisionConfig) HfConfigs.parse("{\"model_type\": \"clip_vision_model\"}");
        assertThat(new int[] {defaults.hiddenSize(), defaults.intermediateSize(), defaults.numHiddenLayers(),
                defaults.numAttentionHeads(), defaults.imageSize(), defaults.patchSize(), defaults.projectionDim()})
                .containsExactly(768, 3072, 12, 12, 224, 32, 512);
    }

    @Test
    void errorsNameTheProblem() throws IOException {
        assertThatThrownBy(() -> HfConfigs.parse("{\"model_type\": \"gpt2\"}"))
                .hasMessageContaining("model_type 'gpt2' is not supported")
                .hasMessageContaining("llama, mistral, qwen2, internlm2, clip_vision_model, clip, llava");
        assertThatThrownBy(() -> HfConfigs.parse("{\"hidden_size\": 1}")).hasMessageContaining("config has no model_type");
        assertThatThrownBy(() -> HfConfigs.parse("{\"model_type\": \"llama\", \"hidden_size\": \"big\"}"))
                .hasMessageContaining("'hidden_size' must be an integer, got \"big\"");
        assertThatThrownBy(() -> HfConfigs.parse("{\"model_type\": \"llava\", \"text_config\": {\"model_type\": \"phi3\"}}"))
                .hasMessageContaining("text_config model_type 'phi3' is not supported");
        assertThatThrownBy(() -> HfConfigs.parse("{\"model_type\": \"llava\", \"vision_config\": {\"model_type\": \"siglip_vision_model\"}}"))
                .hasMessageContaining("vision_config: model_type 'siglip_vision_model' is not a CLIP vision tower");
        assertThatThrownBy(() -> HfConfigs.parse("{\"model_type\": \"llava\", \"vision_feature_select_strategy\": \"cls\"}"))
                .hasMessageContaining("must be 'default' or 'full', got 'cls'");
        assertThatThrownBy(() -> HfConfigs.parse("{\"model_type\": \"llama\", \"num_attention_heads\": 32, \"num_key_value_heads\": 5}"))
                .hasMessageContaining("num_attention_heads (32) must be a positive multiple of num_key_value_heads (5)");
        assertThatThrownBy(() -> HfConfigs.parse("{\"model_type\": ")).hasMessageContaining("not valid JSON");

        Path file = dir.resolve("config.json");
        Files.writeString(file, "{\"model_type\": \"bert\"}");
        assertThatThrownBy(() -> HfConfigs.load(dir)).hasMessageStartingWith(file + ": model_type 'bert'");
        assertThatThrownBy(() -> HfConfigs.load(dir.resolve("missing"))).isInstanceOf(IOException.class);
        Files.writeString(file, "{\"model_type\": \"llama\"}");
        assertThatThrownBy(() -> HfConfigs.load(dir, LlavaConfig.class))
                .hasMessageContaining("expected a LlavaConfig config, found model_type 'llama'");
    }
}

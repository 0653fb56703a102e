package org.jtuner.models.llava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.LlamaConfig;
import org.jtuner.io.config.LlavaConfig;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.clip.ClipVisionModel;
import org.jtuner.models.clip.ClipVisionOutput;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** XTuner-style assembly, projector depth, and the feature-layer options. */
class LlavaAssemblyTest {

    @Test
    void assemblesFromAnLlmFolderAVisionFolderAndAFreshProjector() throws Exception {
        Path llmDir = Fixtures.path("tiny-llama"), clipDir = Fixtures.path("tiny-clip-vision");
        try (LlavaForConditionalGeneration llava = LlavaForConditionalGeneration.assemble(llmDir, clipDir, new Random(1));
             LlamaForCausalLM llm = LlamaForCausalLM.load(llmDir);
             ClipVisionModel clip = ClipVisionModel.loadVisionTower(clipDir);
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            assertThat(llava.config().imageTokenIndex()).isEqualTo(LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX);
            assertThat(llava.config().visionFeatureLayers()).containsExactly(-2);
            assertThat(llava.config().imageSeqLength()).isEqualTo(16);
            assertThat(llava.projector().depth()).isEqualTo(2);
            assertThat(llava.parameter("model.multi_modal_projector.linear_1.weight").shape()).containsExactly(64, 48);
            assertThat(llava.parameter("model.multi_modal_projector.linear_2.weight").shape()).containsExactly(64, 64);
            assertThat(llava.namedParameters()).containsKeys("model.language_model.layers.1.self_attn.q_proj.weight",
                    "lm_head.weight", "model.vision_tower.encoder.layers.2.mlp.fc2.bias");

            // text only: the language model alone
            int[] ids = {1, 17, 200, 33, 5, 99};
            Tensor text = Tensor.ofInts(ids, 1, ids.length);
            ReferenceTensors.assertSame(llava.forward(text, null, null).toFloatArray(), llm.forwardIds(text, null).toFloatArray(),
                    "text-only logits vs the LLM alone");
            assertThat(llava.visionTower().forwardCount()).isZero();

            // XTuner's -200 placeholder (outside the vocabulary) marks 16 positions per image
            int[] withImage = new int[1 + 16 + 3];
            Arrays.fill(withImage, 1, 17, -200);
            withImage[17] = 44;
            withImage[18] = 45;
            withImage[19] = 46;
            Tensor pixels = Tensor.randn(new Random(2), 1, 1, 3, 32, 32);
            Tensor embeds = llava.inputsEmbeds(Tensor.ofInts(withImage, 1, withImage.length), pixels);
            // the features are layer -2 of the tower loaded alone (CLS dropped), through the projector
            Tensor hidden = clip.forward(pixels).hiddenStates().get(2);
            float[] expected = llava.projector().forward(hidden.slice(1, 1, 17)).toFloatArray();
            ReferenceTensors.assertSame(embeds.slice(1, 1, 17).toFloatArray(), expected, "image rows");
            assertThat(llava.forward(Tensor.ofInts(withImage, 1, withImage.length), null, pixels).shape())
                    .containsExactly(1, 20, 384);
        }
    }

    /** XTuner's pretraining setup from BF16 folders: LLM and tower frozen in BF16, the projector F32 and trainable. */
    @Test
    void assemblesAFrozenHalfPrecisionBackbone(@TempDir Path tmp) throws Exception {
        Path llmDir = toBf16(Fixtures.path("tiny-llama"), tmp.resolve("llm"));
        Path clipDir = toBf16(Fixtures.path("tiny-clip-vision"), tmp.resolve("clip"));
        try (LlavaForConditionalGeneration llava = LlavaForConditionalGeneration.assemble(llmDir, clipDir, 2, List.of(-2),
                "default", LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX, true, new Random(1));
             Scope s = Scope.open()) {
            assertThat(llava.trainableParameters()).hasSize(4);
            assertThat(llava.parameter("model.vision_tower.encoder.layers.0.mlp.fc1.weight").value().dtype()).isEqualTo(DType.BF16);
            assertThat(llava.parameter("model.language_model.layers.0.mlp.up_proj.weight").value().dtype()).isEqualTo(DType.BF16);
            int[] ids = new int[20];
            Arrays.fill(ids, 7);
            Arrays.fill(ids, 1, 17, -200);
            int[] labels = ids.clone();
            Arrays.fill(labels, 0, 17, -100);
            Tensor logits = llava.forward(Tensor.ofInts(ids, 1, 20), null, Tensor.randn(new Random(2), 1, 1, 3, 32, 32));
            LlavaForConditionalGeneration.loss(logits, Tensor.ofInts(labels, 1, 20)).backward();
            assertThat(llava.parameter("model.multi_modal_projector.linear_1.weight").value().grad()).isNotNull();
        }
    }

    /** A language model with tied embeddings (tiny-qwen2) has no lm_head: the logits use the embedding table. */
    @Test
    void assemblesATiedEmbeddingLanguageModel() throws Exception {
        try (LlavaForConditionalGeneration llava = LlavaForConditionalGeneration.assemble(Fixtures.path("tiny-qwen2"),
                Fixtures.path("tiny-clip-vision"), new Random(1));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            assertThat(llava.config().tieWordEmbeddings()).isTrue();
            assertThat(llava.namedParameters()).doesNotContainKey("lm_head.weight")
                    .containsKey("model.language_model.embed_tokens.weight");
            int[] ids = new int[18];
            Arrays.fill(ids, 3);
            Arrays.fill(ids, 1, 17, -200);
            Tensor logits = llava.forward(Tensor.ofInts(ids, 1, 18), null, Tensor.randn(new Random(2), 1, 1, 3, 32, 32));
            assertThat(logits.shape()).containsExactly(1, 18, 400);
        }
    }

    static Path toBf16(Path from, Path to) throws Exception {
        java.nio.file.Files.createDirectories(to);
        java.nio.file.Files.copy(from.resolve("config.json"), to.resolve("config.json"));
        List<TensorEntry> entries = new ArrayList<>();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(from)) {
            for (String name : ckpt.names()) {
                entries.add(TensorEntry.ofFloats(name, "BF16", ckpt.info(name).shape(), ckpt.readFloats(name)));
            }
        }
        ShardedCheckpoint.write(to, entries, Map.of(), Long.MAX_VALUE);
        return to;
    }

    @Test
    void projectorDepthNamesAndForward() throws Exception {
        assertThat(LlavaMultiModalProjector.depthOf("mlp2x_gelu")).isEqualTo(2);
        assertThat(LlavaMultiModalProjector.depthOf("mlp3x_gelu")).isEqualTo(3);
        assertThat(LlavaMultiModalProjector.depthOf("linear")).isEqualTo(1);
        assertThatThrownBy(() -> LlavaMultiModalProjector.depthOf("qformer")).hasMessageContaining("unknown projector type");
        try (LlavaMultiModalProjector p = LlavaMultiModalProjector.create(6, 5, 3, "gelu", true, new Random(3));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            assertThat(p.namedParameters().keySet()).containsExactly("linear_1.weight", "linear_1.bias",
                    "linear_2.weight", "linear_2.bias", "linear_3.weight", "linear_3.bias");
            assertThat(p.parameter("linear_1.weight").shape()).containsExactly(5, 6);
            assertThat(p.parameter("linear_3.weight").shape()).containsExactly(5, 5);
            Tensor x = Tensor.randn(new Random(4), 1, 2, 7, 6);
            Tensor manual = p.linears().get(0).forward(x);
            manual = p.linears().get(1).forward(F.gelu(manual));
            manual = p.linears().get(2).forward(F.gelu(manual));
            ReferenceTensors.assertSame(p.forward(x).toFloatArray(), manual.toFloatArray(), "projector");
        }
    }

    /** vision_feature_layer as a list concatenates the layers' features; "full" keeps the CLS token. */
    @Test
    void severalFeatureLayersAndTheFullStrategy() throws Exception {
        LlamaConfig text = HfConfigs.load(Fixtures.path("tiny-llama"), LlamaConfig.class);
        ClipVisionConfig vision = HfConfigs.load(Fixtures.path("tiny-clip-vision"), ClipVisionConfig.class);
        LlavaConfig config = LlavaForConditionalGeneration.assembledConfig(text, vision, List.of(-2, 1), "full", 383, "gelu");
        assertThat(config.imageSeqLength()).isEqualTo(17);
        try (LlavaForConditionalGeneration llava = LlavaForConditionalGeneration.create(config, new Random(5));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            assertThat(llava.projector().inFeatures()).isEqualTo(96);
            assertThat(llava.tokensPerImage()).isEqualTo(17);
            Tensor pixels = Tensor.randn(new Random(6), 1, 2, 3, 32, 32);
            ClipVisionOutput out = llava.visionTower().forward(pixels);
            Tensor manual = llava.projector().forward(Ops.concat(2, out.hiddenStates().get(2), out.hiddenStates().get(1)));
            Tensor features = llava.imageFeatures(pixels);
            assertThat(features.shape()).containsExactly(2, 17, 64);
            ReferenceTensors.assertSame(features.toFloatArray(), manual.toFloatArray(), "features");

            assertThatThrownBy(() -> LlavaForConditionalGeneration.create(
                    LlavaForConditionalGeneration.assembledConfig(text, vision, List.of(-5), "default", 383, "gelu"),
                    new Random(1))).hasMessageContaining("vision_feature_layer -5");
        }
    }
}

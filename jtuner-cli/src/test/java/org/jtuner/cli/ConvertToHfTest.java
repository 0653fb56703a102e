package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.Batch;
import org.jtuner.data.DataConfig;
import org.jtuner.data.DataLoader;
import org.jtuner.data.LlavaData;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.convert.RunExport;
import org.jtuner.train.demo.Demo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner convert to-hf} of the demo's stage-2 result (projector + LoRA on the LLM, XTuner's image placeholder
 * -200): the folder has the fields and key layout transformers writes for tiny-llava, {@code <image>} is added to
 * the tokenizer with the embeddings grown by one row, and it reloads in jtuner with the trained model's logits.
 */
class ConvertToHfTest {
    @TempDir
    static Path work;
    static Path hf;

    @BeforeAll
    static void trainAndConvert() {
        Demo.run(work, 48, 4, new PrintStream(new ByteArrayOutputStream(), true));
        hf = work.resolve("hf");
        CliErrorsTest.Run r = CliErrorsTest.run("convert", "to-hf", work.resolve("stage2").toString(), "--output", hf.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    private static Set<String> fields(JsonNode n) {
        Set<String> out = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }

    @Test
    void configHasTheFieldsTransformersWritesForALlava() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode want = json.readTree(Fixtures.path("tiny-llava", "config.json").toFile());
        JsonNode got = json.readTree(hf.resolve("config.json").toFile());
        assertThat(fields(got)).isEqualTo(fields(want));
        assertThat(got.get("architectures")).isEqualTo(want.get("architectures"));
        assertThat(got.get("model_type")).isEqualTo(want.get("model_type"));
        assertThat(fields(got.get("vision_config"))).isEqualTo(fields(want.get("vision_config")));
        // text_config: tiny-llava's fields, plus rope_theta at its top, which transformers 4.x reads (5.x reads rope_parameters)
        Set<String> text = fields(want.get("text_config"));
        text.add("rope_theta");
        assertThat(fields(got.get("text_config"))).isEqualTo(text);
        assertThat(got.get("image_seq_length").asInt()).isEqualTo(16);
    }

    @Test
    void keysFollowThePublishedLlavaHfLayout() throws Exception {
        // tiny-llava was saved by transformers 5 (vision_tower.*); the published llava-hf layout, which transformers 4.x
        // and 5.x both read, has the tower under vision_tower.vision_model.*: the only difference allowed.
        try (ShardedCheckpoint want = ShardedCheckpoint.open(Fixtures.path("tiny-llava"));
             ShardedCheckpoint got = ShardedCheckpoint.open(hf)) {
            Set<String> wantKeys = new TreeSet<>(), gotKeys = new TreeSet<>();
            for (String k : want.names()) {
                wantKeys.add(layerless(k.startsWith("vision_tower.") ? "vision_tower.vision_model." + k.substring(13) : k));
            }
            for (String k : got.names()) gotKeys.add(layerless(k));
            assertThat(gotKeys).isEqualTo(wantKeys);
        }
    }

    private static String layerless(String key) {
        return key.replaceAll("\\.layers\\.\\d+\\.", ".layers.N.");
    }

    @Test
    void reloadsWithTheTrainedModelsLogitsAndAnImageToken() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode config = json.readTree(hf.resolve("config.json").toFile());
        int imageToken = config.get("image_token_index").asInt();
        int vocab = config.path("text_config").get("vocab_size").asInt();
        assertThat(imageToken).isEqualTo(vocab - 1); // the demo tokenizer had no <image>: added, embeddings grown
        JsonNode tok = json.readTree(hf.resolve("tokenizer.json").toFile());
        boolean added = false;
        for (JsonNode a : tok.get("added_tokens")) added |= a.get("content").asText().equals("<image>") && a.get("id").asInt() == imageToken;
        assertThat(added).isTrue();

        Path stage2 = work.resolve("stage2");
        ObjectNode tree = (ObjectNode) ConfigFiles.YAML.readTree(stage2.resolve("config.yaml").toFile());
        LlavaData data = LlavaData.open(DataConfig.fromYamlSection(tree.get("data")), s -> {});
        try (RunExport trained = RunExport.open(stage2);
             LlavaForConditionalGeneration reloaded = LlavaForConditionalGeneration.load(hf);
             DataLoader loader = data.loader(1, 0, 0, s -> {}); DataLoader.Epoch epoch = loader.epoch(0, 0);
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Batch.Tensors t = epoch.next().toTensors();
            assertThat(t.pixelValues()).isNotNull();
            float[] want = trained.model().forward(t.inputIds(), t.attentionMask(), t.pixelValues()).toFloatArray();
            int[] ids = t.inputIds().toIntArray();
            for (int i = 0; i < ids.length; i++) if (ids[i] == LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX) ids[i] = imageToken;
            Tensor hfIds = Tensor.ofInts(ids, t.inputIds().shape());
            Tensor logits = reloaded.forward(hfIds, t.attentionMask(), t.pixelValues());
            int oldVocab = vocab - 1;
            float[] got = logits.toFloatArray(), firstColumns = new float[want.length];
            for (int p = 0; p < want.length / oldVocab; p++) System.arraycopy(got, p * vocab, firstColumns, p * oldVocab, oldVocab);
            // The adapters are merged into the weights now: equal up to fp32 rounding of W + (α/r)·B·A.
            assertThat(LlavaReference.relErr(firstColumns, want)).isLessThan(1e-5);
        }
    }

    /**
     * Layout (b), XTuner's release: the stage-2 result (LoRA on the LLM, projector) is written as {@code llm_adapter/}
     * + {@code projector/}; {@code jtuner merge} with the run's own bases puts it back together, and the merged model
     * gives the trained model's logits.
     */
    @Test
    void xtunerReleaseLayoutRoundTripsThroughMerge() throws Exception {
        Path stage2 = work.resolve("stage2");
        Path release = work.resolve("xtuner-release");
        CliErrorsTest.Run r = CliErrorsTest.run("convert", "to-xtuner", stage2.toString(), "--output", release.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(release.resolve("llm_adapter").resolve("adapter_config.json")).exists();
        assertThat(release.resolve("visual_encoder_adapter")).doesNotExist();
        ObjectMapper json = new ObjectMapper();
        JsonNode projector = json.readTree(release.resolve("projector").resolve("config.json").toFile());
        assertThat(fields(projector)).contains("visual_hidden_size", "llm_hidden_size", "depth", "hidden_act", "bias");
        try (ShardedCheckpoint weights = ShardedCheckpoint.open(release.resolve("projector"))) {
            assertThat(weights.names()).isNotEmpty().allMatch(k -> k.startsWith("model.0.") || k.startsWith("model.2."));
        }

        ObjectNode tree = (ObjectNode) ConfigFiles.YAML.readTree(stage2.resolve("config.yaml").toFile());
        Path merged = work.resolve("merged-from-release");
        CliErrorsTest.Run m = CliErrorsTest.run("merge", "--llm", tree.at("/model/llm").asText(),
                "--llm-adapter", release.resolve("llm_adapter").toString(),
                "--visual-encoder", tree.at("/model/vision_encoder").asText(),
                "--projector", release.resolve("projector").toString(), "--output", merged.toString());
        assertThat(m.code()).as(m.err()).isZero();

        int imageToken = json.readTree(merged.resolve("config.json").toFile()).get("image_token_index").asInt();
        int vocab = json.readTree(merged.resolve("config.json").toFile()).path("text_config").get("vocab_size").asInt();
        LlavaData data = LlavaData.open(DataConfig.fromYamlSection(tree.get("data")), s -> {});
        try (RunExport trained = RunExport.open(stage2);
             LlavaForConditionalGeneration reloaded = LlavaForConditionalGeneration.load(merged);
             DataLoader loader = data.loader(1, 0, 0, s -> {}); DataLoader.Epoch epoch = loader.epoch(0, 0);
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Batch.Tensors t = epoch.next().toTensors();
            float[] want = trained.model().forward(t.inputIds(), t.attentionMask(), t.pixelValues()).toFloatArray();
            int[] ids = t.inputIds().toIntArray();
            for (int i = 0; i < ids.length; i++) if (ids[i] == LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX) ids[i] = imageToken;
            float[] got = reloaded.forward(Tensor.ofInts(ids, t.inputIds().shape()), t.attentionMask(), t.pixelValues()).toFloatArray();
            int oldVocab = want.length / (got.length / vocab);
            float[] firstColumns = new float[want.length];
            for (int p = 0; p < want.length / oldVocab; p++) System.arraycopy(got, p * vocab, firstColumns, p * oldVocab, oldVocab);
            assertThat(LlavaReference.relErr(firstColumns, want)).isLessThan(1e-5);
        }
    }

    /**
     * Layout (c), the original LLaVA code base (github.com/haotian-liu/LLaVA): {@code LlavaLlamaForCausalLM} is a
     * LlamaForCausalLM ({@code model.*}, {@code lm_head}) whose model is a {@code LlavaMetaModel}
     * (llava/model/llava_arch.py) adding {@code self.vision_tower = build_vision_tower(config)} and
     * {@code self.mm_projector = build_vision_projector(config)}; the projector is {@code nn.Sequential(Linear, GELU,
     * Linear)} for mlp2x_gelu (llava/model/multimodal_projector/builder.py: indices 0 and 2), the tower a
     * {@code CLIPVisionTower} whose {@code self.vision_tower} is a {@code CLIPVisionModel}
     * (llava/model/multimodal_encoder/clip_encoder.py: hence {@code vision_tower.vision_tower.vision_model.*}).
     */
    @Test
    void officialLlavaLayoutHasTheKeyNamesOfTheLlavaCodeBase() throws Exception {
        Path out = work.resolve("llava");
        CliErrorsTest.Run r = CliErrorsTest.run("convert", "to-llava", work.resolve("stage2").toString(), "--output", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode c = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        int llmLayers = c.get("num_hidden_layers").asInt(), towerLayers = 1; // the demo's sizes
        Set<String> expected = new TreeSet<>(List.of("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
                "model.mm_projector.0.weight", "model.mm_projector.0.bias", "model.mm_projector.2.weight",
                "model.mm_projector.2.bias"));
        for (int i = 0; i < llmLayers; i++) {
            for (String w : List.of("input_layernorm", "post_attention_layernorm", "self_attn.q_proj", "self_attn.k_proj",
                    "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                expected.add("model.layers." + i + "." + w + ".weight");
            }
        }
        String tower = "model.vision_tower.vision_tower.vision_model.";
        expected.addAll(List.of(tower + "embeddings.class_embedding", tower + "embeddings.patch_embedding.weight",
                tower + "embeddings.position_embedding.weight"));
        for (String ln : List.of("pre_layrnorm", "post_layernorm")) {
            expected.add(tower + ln + ".weight");
            expected.add(tower + ln + ".bias");
        }
        for (int j = 0; j < towerLayers; j++) {
            for (String w : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                    "layer_norm1", "layer_norm2", "mlp.fc1", "mlp.fc2")) {
                expected.add(tower + "encoder.layers." + j + "." + w + ".weight");
                expected.add(tower + "encoder.layers." + j + "." + w + ".bias");
            }
        }
        try (ShardedCheckpoint got = ShardedCheckpoint.open(out)) {
            assertThat(new TreeSet<>(got.names())).isEqualTo(expected);
        }
        assertThat(c.get("architectures").get(0).asText()).isEqualTo("LlavaLlamaForCausalLM");
        assertThat(c.get("mm_projector_type").asText()).isEqualTo("mlp2x_gelu");
        assertThat(c.get("mm_vision_select_layer").asInt()).isEqualTo(-2);
        assertThat(c.get("mm_vision_select_feature").asText()).isEqualTo("patch");
        assertThat(c.get("mm_hidden_size").asInt()).isEqualTo(64);
        assertThat(c.get("mm_vision_tower").asText()).endsWith("tiny-clip");
    }
}

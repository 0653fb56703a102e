package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.WeightSource;
import org.jtuner.models.clip.ClipVisionModel;
import org.jtuner.models.llama.LlamaCheckpoints;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.models.llava.LlavaMultiModalProjector;
import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.nn.Lora;

/**
 * {@code jtuner merge}: XTuner's release layout (a base LLM, {@code llm_adapter/}, a CLIP tower,
 * {@code visual_encoder_adapter/}, {@code projector/}; safetensors or PyTorch pickles) into one checkpoint: a LLaVA in
 * the llava-hf layout when a projector is given, otherwise the LLM (or the tower) with its adapter merged in, as
 * a plain Hugging Face folder. Adapters are merged as PEFT's {@code merge_and_unload} does: W + (α/r)·B·A.
 */
public final class XtunerMerge {
    private XtunerMerge() {}

    /** What to merge; any of the paths but one of llm / visualEncoder may be null. */
    public record Args(Path llm, Path llmAdapter, Path visualEncoder, Path visualEncoderAdapter, Path projector,
                       int visualSelectLayer, String selectStrategy, Integer imageTokenIndex, String dtype,
                       long maxShardBytes) {
        public Args {
            if (llm == null && visualEncoder == null) {
                throw new IllegalArgumentException("give --llm (and/or --visual-encoder) to merge into");
            }
            if (llmAdapter != null && llm == null) throw new IllegalArgumentException("--llm-adapter needs --llm");
            if (visualEncoderAdapter != null && visualEncoder == null) {
                throw new IllegalArgumentException("--visual-encoder-adapter needs --visual-encoder");
            }
            if (projector != null && (llm == null || visualEncoder == null)) {
                throw new IllegalArgumentException("--projector needs both --llm and --visual-encoder");
            }
            if (!List.of("default", "full").contains(selectStrategy)) {
                throw new IllegalArgumentException("--select-strategy must be default or full, got '" + selectStrategy + "'");
            }
        }
    }

    /** What was written. */
    public enum Kind { LLAVA, LLM, VISUAL_ENCODER }

    public static Kind merge(Args a, Path out) throws IOException {
        if (a.projector() != null) {
            mergeLlava(a, out);
            return Kind.LLAVA;
        }
        if (a.llm() != null && a.visualEncoder() != null) {
            throw new IllegalArgumentException("a LLaVA needs its projector: give --projector (XTuner's projector/ folder)");
        }
        if (a.llm() != null && a.llmAdapter() != null && "internlm2".equals(
                HfConfigs.readJson(a.llm().resolve(HfConfigs.CONFIG_FILE)).path("model_type").asText())) {
            CheckpointLoraMerge.merge(a.llm(), a.llmAdapter(), out); // keeps InternLM2's own layout
            return Kind.LLM;
        }
        if (a.llm() != null) {
            try (LlamaForCausalLM llm = LlamaForCausalLM.load(a.llm())) {
                if (a.llmAdapter() != null) addAdapter(llm, a.llmAdapter(), KeyMap.prefix(PeftAdapters.KEY_PREFIX));
                Lora.merge(llm);
                Files.createDirectories(out);
                llm.save(out); // config.json, and the weights in F32
                ShardedCheckpoint.write(out, LlamaCheckpoints.stateDict(llm, llm.config(), a.dtype()),
                        Map.of("format", "pt"), a.maxShardBytes());
                for (String f : HfLlavaWriter.TOKENIZER_FILES) HfLlavaWriter.copyIfThere(a.llm().resolve(f), out.resolve(f));
                HfLlavaWriter.copyIfThere(a.llm().resolve("generation_config.json"), out.resolve("generation_config.json"));
            }
            return Kind.LLM;
        }
        try (ClipVisionModel tower = ClipVisionModel.loadVisionTower(a.visualEncoder())) {
            if (a.visualEncoderAdapter() != null) addAdapter(tower, a.visualEncoderAdapter(), towerAdapterKeys());
            Lora.merge(tower);
            Files.createDirectories(out);
            ShardedCheckpoint.write(out, WeightSaver.stateDict(tower, KeyMap.prefix("vision_model."), n -> true,
                    a.dtype()), Map.of("format", "pt"), a.maxShardBytes());
            ObjectNode c = HfConfigs.readJson(a.visualEncoder().resolve(HfConfigs.CONFIG_FILE));
            if (!c.has("architectures")) c.putArray("architectures").add("CLIPVisionModel");
            HfConfigs.write(out.resolve(HfConfigs.CONFIG_FILE), c);
            HfLlavaWriter.copyIfThere(a.visualEncoder().resolve("preprocessor_config.json"),
                    out.resolve("preprocessor_config.json"));
        }
        return Kind.VISUAL_ENCODER;
    }

    /** A CLIPVisionModel adapter names the tower's parameters under vision_model.; ours have no such prefix. */
    private static KeyMap towerAdapterKeys() {
        return KeyMap.prefix(PeftAdapters.KEY_PREFIX + "vision_model.").orElse(KeyMap.prefix(PeftAdapters.KEY_PREFIX));
    }

    private static void addAdapter(org.jtuner.nn.Module module, Path adapterDir, KeyMap keys) throws IOException {
        PeftAdapters.load(module, adapterDir, false, keys);
    }

    private static void mergeLlava(Args a, Path out) throws IOException {
        ObjectNode projectorConfig = HfConfigs.readJson(a.projector().resolve(HfConfigs.CONFIG_FILE));
        int depth = projectorConfig.path("depth").asInt(2);
        String act = projectorConfig.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new IllegalArgumentException(a.projector().resolve(HfConfigs.CONFIG_FILE) + ": hidden_act '" + act
                    + "' is not supported (XTuner's LLaVA projectors use gelu)");
        }
        if (!projectorConfig.path("bias").asBoolean(true)) {
            throw new IllegalArgumentException(a.projector().resolve(HfConfigs.CONFIG_FILE)
                    + ": a projector without bias is not supported");
        }
        int imageToken = a.imageTokenIndex() != null ? a.imageTokenIndex() : imageTokenOf(a.llm());
        // InternLM2 adapters name its packed wqkv, which jtuner splits on load: merge those in the checkpoint itself.
        Path llm = a.llm();
        boolean mergeInCheckpoint = a.llmAdapter() != null && "internlm2".equals(
                HfConfigs.readJson(a.llm().resolve(HfConfigs.CONFIG_FILE)).path("model_type").asText());
        if (mergeInCheckpoint) {
            llm = Files.createTempDirectory("jtuner-merge-llm");
            CheckpointLoraMerge.merge(a.llm(), a.llmAdapter(), llm);
        }
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.assemble(llm, a.visualEncoder(),
                depth, List.of(a.visualSelectLayer()), a.selectStrategy(), imageToken, false, new Random(0))) {
            if (a.llmAdapter() != null && !mergeInCheckpoint) {
                addAdapter(model.languageModel(), a.llmAdapter(), KeyMap.prefix(PeftAdapters.KEY_PREFIX));
            }
            if (a.visualEncoderAdapter() != null) addAdapter(model.visionTower(), a.visualEncoderAdapter(), towerAdapterKeys());
            loadProjector(model.projector(), a.projector());
            HfLlavaWriter.write(model, HfConfigs.readJson(a.llm().resolve(HfConfigs.CONFIG_FILE)),
                    HfConfigs.readJson(a.visualEncoder().resolve(HfConfigs.CONFIG_FILE)), a.dtype(), a.maxShardBytes(),
                    a.llm(), a.visualEncoder(), out, a.imageTokenIndex() == null);
        } finally {
            if (mergeInCheckpoint) deleteTree(llm);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** XTuner's ProjectorModel: {@code model.0} Linear, {@code model.1} GELU, {@code model.2} Linear, ... */
    static void loadProjector(LlavaMultiModalProjector projector, Path dir) throws IOException {
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            WeightSource source = WeightSource.of(ckpt);
            WeightSource renamed = new WeightSource() {
                // linear_N ↔ model.(2N-2): the GELUs between the linears take the odd indices
                public Path location() { return source.location(); }
                public List<String> names() { return source.names().stream().map(XtunerMerge::ours).toList(); }
                public boolean contains(String name) { return source.contains(theirs(name)); }
                public org.jtuner.io.safetensors.TensorInfo info(String name) { return source.info(theirs(name)); }
                public java.lang.foreign.MemorySegment data(String name) { return source.data(theirs(name)); }
            };
            WeightLoader.load(projector, renamed, KeyMap.identity(), WeightLoader.Options.strict());
        }
    }

    private static String ours(String key) {
        var m = java.util.regex.Pattern.compile("^model\\.(\\d+)\\.(.*)$").matcher(key);
        return m.matches() ? "linear_" + (Integer.parseInt(m.group(1)) / 2 + 1) + "." + m.group(2) : key;
    }

    static String theirs(String name) {
        var m = java.util.regex.Pattern.compile("^linear_(\\d+)\\.(.*)$").matcher(name);
        return m.matches() ? "model." + (2 * (Integer.parseInt(m.group(1)) - 1)) + "." + m.group(2) : name;
    }

    /**
     * The id of {@code <image>} in the LLM folder's tokenizer; XTuner's placeholder when it has none, so that the
     * writer adds the token (and grows the embeddings) as XTuner's converter does.
     */
    static int imageTokenOf(Path llmDir) throws IOException {
        Path tokenizer = llmDir.resolve("tokenizer.json");
        if (Files.isRegularFile(tokenizer)) {
            JsonNode t = new ObjectMapper().readTree(tokenizer.toFile());
            for (JsonNode added : t.path("added_tokens")) {
                if (added.path("content").asText().equals("<image>")) return added.path("id").asInt();
            }
            JsonNode id = t.path("model").path("vocab").get("<image>");
            if (id != null && id.isInt()) return id.asInt();
            return LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX;
        }
        throw new IllegalArgumentException(llmDir + " has no tokenizer.json: give the <image> token id the model was "
                + "trained with as --image-token-index");
    }
}

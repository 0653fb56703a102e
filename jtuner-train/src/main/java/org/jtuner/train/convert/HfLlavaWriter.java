package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.models.llava.LlavaKeys;
import org.jtuner.nn.Lora;

/**
 * Writes a LLaVA as the published llava-hf checkpoints are laid out, for {@code LlavaForConditionalGeneration
 * .from_pretrained}: {@code config.json} (the fields transformers writes: {@code text_config}, {@code vision_config},
 * {@code image_token_index}, {@code image_seq_length}, {@code vision_feature_layer},
 * {@code vision_feature_select_strategy}, ...), the weights under {@code language_model.model.*},
 * {@code language_model.lm_head.weight}, {@code vision_tower.vision_model.*}, {@code multi_modal_projector.*}
 * (shards and an index past {@code maxShardBytes}), {@code generation_config.json}, and the tokenizer and image
 * processor files of the parts where they have them. LoRA adapters are merged in first.
 */
public final class HfLlavaWriter {
    private HfLlavaWriter() {}

    /** Config fields of a standalone model that do not belong inside a nested text or vision config. */
    private static final Set<String> TOP_LEVEL_ONLY = Set.of("architectures", "dtype", "torch_dtype",
            "transformers_version", "_name_or_path", "auto_map", "quantization_config");
    /** Files of a tokenizer folder that a LLaVA folder carries over as they are. */
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "added_tokens.json", "chat_template.jinja");

    /**
     * @param textConfig   the language model's config.json as read (nested as {@code text_config})
     * @param visionConfig the vision tower's config.json as read ({@code vision_config})
     * @param dtype        "F32", "BF16" or "F16"
     * @param llmDir       where to take the tokenizer and generation config from (may be null)
     * @param visionDir    where to take preprocessor_config.json from (may be null)
     */
    public static void write(LlavaForConditionalGeneration model, ObjectNode textConfig, ObjectNode visionConfig,
                             String dtype, long maxShardBytes, Path llmDir, Path visionDir, Path out) throws IOException {
        write(model, textConfig, visionConfig, dtype, maxShardBytes, llmDir, visionDir, out, true);
    }

    /**
     * @param addImageToken whether XTuner's placeholder id (negative, no token) becomes an {@code <image>} token added
     *                      to the tokenizer; false keeps the model's id as it is (a folder for jtuner to train on)
     */
    public static void write(LlavaForConditionalGeneration model, ObjectNode textConfig, ObjectNode visionConfig,
                             String dtype, long maxShardBytes, Path llmDir, Path visionDir, Path out,
                             boolean addImageToken) throws IOException {
        Lora.merge(model);
        Files.createDirectories(out);
        List<TensorEntry> weights = new ArrayList<>(WeightSaver.stateDict(model, LlavaKeys.HUB, n -> true, dtype));
        ObjectNode text = ConfigDefaults.internlm2AsLlama(textConfig.deepCopy());
        int imageToken = model.imageTokenIndex();
        List<String> rewritten = List.of();
        if (imageToken < 0 && addImageToken) {
            // XTuner's placeholder (-200) is no token: add <image> to the tokenizer, as XTuner's HF converter does
            ImageToken added = ImageToken.add(llmDir, out);
            imageToken = added.id();
            rewritten = added.filesWritten();
            int vocab = text.path("vocab_size").asInt();
            if (imageToken >= vocab) {
                resizeEmbeddings(model, weights, imageToken + 1, dtype);
                text.put("vocab_size", imageToken + 1);
            }
        }
        ShardedCheckpoint.write(out, weights, Map.of("format", "pt"), maxShardBytes);
        HfConfigs.write(out.resolve(HfConfigs.CONFIG_FILE), config(model, text, visionConfig, dtype, imageToken));
        ObjectNode generation = generationConfig(textConfig, llmDir);
        HfConfigs.write(out.resolve("generation_config.json"), generation);
        if (llmDir != null) {
            for (String f : TOKENIZER_FILES) if (!rewritten.contains(f)) copyIfThere(llmDir.resolve(f), out.resolve(f));
        }
        Path processor = visionDir == null ? null : visionDir.resolve("preprocessor_config.json");
        if (processor != null && Files.isRegularFile(processor)) {
            copyIfThere(processor, out.resolve("preprocessor_config.json"));
        } else {
            HfConfigs.write(out.resolve("preprocessor_config.json"), clipImageProcessor(visionConfig.path("image_size").asInt(336)));
        }
        HfConfigs.write(out.resolve("processor_config.json"), JsonNodeFactory.instance.objectNode()
                .put("image_token", "<image>").put("num_additional_image_tokens", 1)
                .put("patch_size", visionConfig.path("patch_size").asInt(14)).put("processor_class", "LlavaProcessor")
                .put("vision_feature_select_strategy", model.config().visionFeatureSelectStrategy()));
    }

    /** CLIPImageProcessor as openai/clip-vit-large-patch14-336 configures it, at the tower's image size. */
    static ObjectNode clipImageProcessor(int imageSize) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.putObject("crop_size").put("height", imageSize).put("width", imageSize);
        p.put("do_center_crop", true).put("do_convert_rgb", true).put("do_normalize", true).put("do_rescale", true)
                .put("do_resize", true);
        var mean = p.putArray("image_mean");
        for (double v : new double[] {0.48145466, 0.4578275, 0.40821073}) mean.add(v);
        p.put("image_processor_type", "CLIPImageProcessor");
        var std = p.putArray("image_std");
        for (double v : new double[] {0.26862954, 0.26130258, 0.27577711}) std.add(v);
        p.put("processor_class", "LlavaProcessor").put("resample", 3).put("rescale_factor", 1 / 255.0);
        p.putObject("size").put("shortest_edge", imageSize);
        return p;
    }

    /** config.json with the fields, and in the nesting, that transformers writes for a LLaVA. */
    static ObjectNode config(LlavaForConditionalGeneration model, ObjectNode textConfig, ObjectNode visionConfig,
                             String dtype, int imageToken) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode c = f.objectNode();
        c.putArray("architectures").add("LlavaForConditionalGeneration");
        c.put("dtype", torchDtype(dtype));
        c.put("image_seq_length", model.tokensPerImage());
        c.put("image_token_index", imageToken);
        c.put("model_type", "llava");
        c.put("multimodal_projector_bias", model.config().multimodalProjectorBias());
        c.put("projector_hidden_act", model.config().projectorHiddenAct());
        ObjectNode text = ConfigDefaults.llama(nested(textConfig));
        // transformers 4.x reads rope_theta at the top of text_config; 5.x reads rope_parameters: write both.
        if (!text.has("rope_theta") && text.path("rope_parameters").has("rope_theta")) {
            text.set("rope_theta", text.path("rope_parameters").get("rope_theta"));
        }
        c.set("text_config", text);
        c.put("tie_word_embeddings", model.config().tieWordEmbeddings());
        c.put("transformers_version", "4.47.1");
        c.set("vision_config", ConfigDefaults.clipVision(nested(visionConfig)));
        List<Integer> layers = model.config().visionFeatureLayers();
        if (layers.size() == 1) {
            c.put("vision_feature_layer", layers.getFirst());
        } else {
            var a = c.putArray("vision_feature_layer");
            layers.forEach(a::add);
        }
        c.put("vision_feature_select_strategy", model.config().visionFeatureSelectStrategy());
        return c;
    }

    /**
     * embed_tokens (and an untied lm_head) grown to {@code rows}: the new rows are the mean of the old ones, so the
     * new token starts as an average token (XTuner's converter initialises them from the same mean, plus noise).
     */
    private static void resizeEmbeddings(LlavaForConditionalGeneration model, List<TensorEntry> weights, int rows,
                                         String dtype) {
        for (String name : List.of("model.language_model.embed_tokens.weight", "lm_head.weight")) {
            var p = model.parameter(name);
            if (p == null) continue;
            String key = LlavaKeys.HUB.checkpointKey(name);
            int index = -1;
            for (int i = 0; i < weights.size(); i++) if (weights.get(i).name().equals(key)) index = i;
            if (index < 0) continue; // tied lm_head: saved once, as embed_tokens
            float[] old = p.value().toFloatArray();
            int width = p.shape()[1], oldRows = p.shape()[0];
            float[] grown = java.util.Arrays.copyOf(old, rows * width);
            for (int c = 0; c < width; c++) {
                double sum = 0;
                for (int r = 0; r < oldRows; r++) sum += old[r * width + c];
                for (int r = oldRows; r < rows; r++) grown[r * width + c] = (float) (sum / oldRows);
            }
            weights.set(index, TensorEntry.ofFloats(key, dtype, new long[] {rows, width}, grown));
        }
    }

    private static ObjectNode nested(ObjectNode standalone) {
        ObjectNode n = standalone.deepCopy();
        TOP_LEVEL_ONLY.forEach(n::remove);
        return n;
    }

    static String torchDtype(String dtype) {
        return switch (dtype) {
            case "F32" -> "float32";
            case "BF16" -> "bfloat16";
            case "F16" -> "float16";
            default -> throw new IllegalArgumentException("--dtype must be f32, bf16 or f16, got " + dtype);
        };
    }

    /** "bf16" / "bfloat16" / "BF16" → "BF16". */
    public static String dtypeName(String option) {
        return switch (option.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32" -> "F32";
            case "bf16", "bfloat16" -> "BF16";
            case "f16", "fp16", "float16" -> "F16";
            default -> throw new IllegalArgumentException("--dtype must be f32, bf16 or f16, got '" + option + "'");
        };
    }

    private static ObjectNode generationConfig(ObjectNode textConfig, Path llmDir) throws IOException {
        if (llmDir != null && Files.isRegularFile(llmDir.resolve("generation_config.json"))) {
            return HfConfigs.readJson(llmDir.resolve("generation_config.json"));
        }
        ObjectNode g = JsonNodeFactory.instance.objectNode().put("_from_model_config", true);
        for (String k : List.of("bos_token_id", "eos_token_id", "pad_token_id")) {
            JsonNode v = textConfig.get(k);
            if (v != null && !v.isNull()) g.set(k, v);
        }
        return g.put("transformers_version", "4.47.1");
    }

    static void copyIfThere(Path from, Path to) throws IOException {
        if (Files.isRegularFile(from)) Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
}

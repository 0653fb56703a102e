package org.jtuner.models.mllama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.MllamaVisionConfig;

/**
 * A Llama-3.2-Vision {@code config.json} ({@code model_type: mllama}, transformers 4.47.1's MllamaConfig):
 * {@code text_config} ({@link MllamaTextConfig}), {@code vision_config} ({@link MllamaVisionConfig}), and
 * {@code image_token_index} (default 128256). Other top-level fields must be PretrainedConfig's.
 */
public record MllamaConfig(MllamaTextConfig textConfig, MllamaVisionConfig visionConfig, int imageTokenIndex,
                           ObjectNode raw) {
    public static final String MODEL_TYPE = "mllama";

    public MllamaConfig {
        raw = raw.deepCopy();
    }

    /** vision_config.vision_output_dim: the projector's input. */
    public int visionOutputDim() { return visionConfig.visionOutputDim(); }

    /** (image_size / patch_size)² + 1: the vision tokens of one tile (CLS included) that the text attends to. */
    public int tokensPerTile() { return visionConfig.numPatchesWithCls(); }

    public int maxNumTiles() { return visionConfig.maxNumTiles(); }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    /** A model folder or its config.json. */
    public static MllamaConfig load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(HfConfigs.CONFIG_FILE) : path;
        try {
            return fromJson(HfConfigs.readJson(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    public static MllamaConfig fromJson(ObjectNode json) {
        JsonNode type = json.get("model_type");
        if (type == null || !MODEL_TYPE.equals(type.asText())) {
            throw new IllegalArgumentException("model_type is " + type + ", expected 'mllama' (a Llama-3.2-Vision checkpoint)");
        }
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("text_config") && !k.equals("vision_config") && !k.equals("image_token_index")
                    && !MllamaTextConfig.PRETRAINED_CONFIG_KEYS.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("field(s) " + unknown + " are not MllamaConfig fields that jtuner reads");
        }
        MllamaTextConfig text = MllamaTextConfig.fromJson(object(json, "text_config"));
        MllamaVisionConfig vision = MllamaVisionConfig.fromMllamaConfig(json);
        int imageToken = json.hasNonNull("image_token_index") ? json.get("image_token_index").asInt() : 128256;
        if (imageToken < 0 || imageToken >= text.embeddingRows()) {
            throw new IllegalArgumentException("image_token_index " + imageToken + " is outside the embedding table ("
                    + text.embeddingRows() + " rows = text_config.vocab_size + 8)");
        }
        return new MllamaConfig(text, vision, imageToken, json);
    }

    private static ObjectNode object(ObjectNode json, String key) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) return JsonNodeFactory.instance.objectNode(); // transformers: the class defaults
        if (!n.isObject()) throw new IllegalArgumentException("'" + key + "' must be a JSON object, got " + n);
        return (ObjectNode) n;
    }
}

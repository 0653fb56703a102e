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

/**
 * A Llama-3.2-Vision {@code config.json} ({@code model_type: mllama}, transformers 4.47.1's MllamaConfig):
 * {@code text_config} ({@link MllamaTextConfig}), {@code vision_config} (kept as JSON for the vision model's own
 * config; the few fields the full model needs are read here with MllamaVisionConfig's defaults), and
 * {@code image_token_index} (default 128256). Other top-level fields must be PretrainedConfig's.
 *
 * @param visionOutputDim   vision_config.vision_output_dim (the projector's input; default 7680)
 * @param tokensPerTile     (image_size / patch_size)² + 1: the vision tokens of one tile (CLS included)
 * @param maxNumTiles       vision_config.max_num_tiles (default 4)
 */
public record MllamaConfig(MllamaTextConfig textConfig, ObjectNode visionConfig, int imageTokenIndex,
                           int visionOutputDim, int tokensPerTile, int maxNumTiles, ObjectNode raw) {
    public static final String MODEL_TYPE = "mllama";

    public MllamaConfig {
        visionConfig = visionConfig.deepCopy();
        raw = raw.deepCopy();
    }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    @Override
    public ObjectNode visionConfig() {
        return visionConfig.deepCopy();
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
        ObjectNode vision = object(json, "vision_config");
        int imageSize = intField(vision, "image_size", 560), patch = intField(vision, "patch_size", 14);
        if (patch <= 0 || imageSize % patch != 0) {
            throw new IllegalArgumentException("vision_config: image_size " + imageSize + " is not a multiple of patch_size " + patch);
        }
        int grid = imageSize / patch;
        int imageToken = json.hasNonNull("image_token_index") ? json.get("image_token_index").asInt() : 128256;
        if (imageToken < 0 || imageToken >= text.embeddingRows()) {
            throw new IllegalArgumentException("image_token_index " + imageToken + " is outside the embedding table ("
                    + text.embeddingRows() + " rows = text_config.vocab_size + 8)");
        }
        return new MllamaConfig(text, vision, imageToken, intField(vision, "vision_output_dim", 7680), grid * grid + 1,
                intField(vision, "max_num_tiles", 4), json);
    }

    private static ObjectNode object(ObjectNode json, String key) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) return JsonNodeFactory.instance.objectNode(); // transformers: the class defaults
        if (!n.isObject()) throw new IllegalArgumentException("'" + key + "' must be a JSON object, got " + n);
        return (ObjectNode) n;
    }

    private static int intField(ObjectNode json, String key, int dflt) {
        JsonNode n = json.get(key);
        if (n == null || n.isNull()) return dflt;
        if (!n.canConvertToInt()) throw new IllegalArgumentException("vision_config: '" + key + "' must be an integer, got " + n);
        return n.intValue();
    }
}

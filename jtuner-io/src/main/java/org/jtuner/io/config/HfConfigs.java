package org.jtuner.io.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.json.PythonJson;

/**
 * Reads Hugging Face {@code config.json} files into typed configs, dispatching on {@code model_type}.
 *
 * <pre>{@code
 * HfConfig config = HfConfigs.load(Path.of("llava-1.5-7b-hf"));   // a folder or its config.json
 * if (config instanceof LlavaConfig llava) { ... llava.textConfig().hiddenSize() ... }
 * }</pre>
 */
public final class HfConfigs {
    private HfConfigs() {}

    public static final String CONFIG_FILE = "config.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // Python's json writes NaN and Infinity
            .build();

    /** Every {@code model_type} that {@link #parse} understands. */
    public static List<String> supportedModelTypes() {
        List<String> types = new ArrayList<>(LlamaConfig.MODEL_TYPES);
        types.add(ClipVisionConfig.MODEL_TYPE);
        types.add("clip");
        types.add(LlavaConfig.MODEL_TYPE);
        return List.copyOf(types);
    }

    /**
     * Loads {@code path}: a model folder (its {@code config.json} is read) or a JSON file.
     *
     * @throws IOException              when the file is missing or is not JSON
     * @throws IllegalArgumentException when the config is not one jtuner supports or a field is malformed (the
     *                                  message names the file)
     */
    public static HfConfig load(Path path) throws IOException {
        Path file = Files.isDirectory(path) ? path.resolve(CONFIG_FILE) : path;
        ObjectNode json = readJson(file);
        try {
            return parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** {@link #load} for a config that must be of type {@code type}. */
    public static <T extends HfConfig> T load(Path path, Class<T> type) throws IOException {
        HfConfig config = load(path);
        if (!type.isInstance(config)) {
            throw new IllegalArgumentException(path + ": expected a " + type.getSimpleName() + " config, found model_type '"
                    + config.modelType() + "'");
        }
        return type.cast(config);
    }

    /** Parses an already-read config object. */
    public static HfConfig parse(ObjectNode json) {
        JsonNode typeNode = json.get("model_type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new IllegalArgumentException("config has no model_type (supported: "
                    + String.join(", ", supportedModelTypes()) + ")");
        }
        String type = typeNode.textValue();
        if (LlamaConfig.MODEL_TYPES.contains(type)) return LlamaConfig.fromJson(json);
        if (type.equals(ClipVisionConfig.MODEL_TYPE) || type.equals("clip")) return ClipVisionConfig.fromJson(json);
        if (type.equals(LlavaConfig.MODEL_TYPE)) return LlavaConfig.fromJson(json);
        throw new IllegalArgumentException("model_type '" + type + "' is not supported (supported: "
                + String.join(", ", supportedModelTypes()) + ")");
    }

    /** Parses config JSON text. */
    public static HfConfig parse(String jsonText) {
        try {
            JsonNode node = JSON.readTree(jsonText);
            if (node == null || !node.isObject()) throw new IllegalArgumentException("config is not a JSON object");
            return parse((ObjectNode) node);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("config is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Reads a JSON object file (keeping every field, in file order). */
    public static ObjectNode readJson(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no config file");
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (node == null || !node.isObject()) throw new IOException(file + ": not a JSON object");
        return (ObjectNode) node;
    }

    /**
     * Writes config JSON as transformers writes it ({@code json.dumps(..., indent=2, sort_keys=True) + "\n"}),
     * atomically. Pass a config's {@link HfConfig#raw()}, edited as needed.
     */
    public static void write(Path file, ObjectNode json) throws IOException {
        PythonJson.writeFile(file, json, true);
    }
}

package org.jtuner.io.config;

import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A CLIP vision tower's config ({@code CLIPVisionConfig}; defaults are transformers', i.e. ViT-B/32 at 224 px).
 * Read from a {@code clip_vision_model} config, or from the {@code vision_config} of a full {@code clip} config
 * (as {@code openai/clip-vit-large-patch14-336} ships), or from a LLaVA config's {@code vision_config}.
 */
public record ClipVisionConfig(
        String modelType,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int imageSize,
        int patchSize,
        int numChannels,
        String hiddenAct,
        double layerNormEps,
        int projectionDim,
        Optional<String> dtype,
        ObjectNode raw) implements HfConfig {

    public static final String MODEL_TYPE = "clip_vision_model";

    public ClipVisionConfig {
        raw = raw.deepCopy();
        if (patchSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException(modelType + " config: image_size (" + imageSize
                    + ") must be a multiple of patch_size (" + patchSize + ")");
        }
    }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    /** Patches per image: (image_size / patch_size)². */
    public int numPatches() {
        int side = imageSize / patchSize;
        return side * side;
    }

    /** Positions in the sequence: the patches plus the class token. */
    public int numPositions() {
        return numPatches() + 1;
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /**
     * Reads a {@code clip_vision_model} config, or the vision part of a {@code clip} config (its
     * {@code vision_config}, updated with the legacy {@code vision_config_dict} where present, as CLIPConfig does;
     * {@link #raw()} is then the whole file).
     */
    public static ClipVisionConfig fromJson(ObjectNode json) {
        ConfigFields top = new ConfigFields(json, "config");
        if ("clip".equals(top.string("model_type", null))) {
            ObjectNode given = top.object("vision_config");
            ObjectNode vision = given == null ? JsonNodeFactory.instance.objectNode() : given.deepCopy();
            ObjectNode legacy = top.object("vision_config_dict");
            if (legacy != null) vision.setAll(legacy);
            if (!vision.hasNonNull("dtype") && !vision.hasNonNull("torch_dtype")) {
                top.optionalString("dtype").or(() -> top.optionalString("torch_dtype"))
                        .ifPresent(d -> vision.put("dtype", d));
            }
            ClipVisionConfig c = fromJson(vision, "vision_config");
            // raw() stays the whole file, so writing it back keeps the text tower's part too.
            return new ClipVisionConfig(c.modelType, c.hiddenSize, c.intermediateSize, c.numHiddenLayers,
                    c.numAttentionHeads, c.imageSize, c.patchSize, c.numChannels, c.hiddenAct, c.layerNormEps,
                    c.projectionDim, c.dtype, json);
        }
        return fromJson(json, "config");
    }

    static ClipVisionConfig fromJson(ObjectNode json, String where) {
        ConfigFields f = new ConfigFields(json, where);
        String modelType = f.string("model_type", MODEL_TYPE);
        if (!modelType.equals(MODEL_TYPE)) {
            throw new IllegalArgumentException(where + ": model_type '" + modelType + "' is not a CLIP vision tower "
                    + "(supported: " + MODEL_TYPE + ", or clip with a vision_config)");
        }
        return new ClipVisionConfig(
                modelType,
                f.integer("hidden_size", 768),
                f.integer("intermediate_size", 3072),
                f.integer("num_hidden_layers", 12),
                f.integer("num_attention_heads", 12),
                f.integer("image_size", 224),
                f.integer("patch_size", 32),
                f.integer("num_channels", 3),
                f.string("hidden_act", "quick_gelu"),
                f.number("layer_norm_eps", 1e-5),
                f.integer("projection_dim", 512),
                f.optionalString("dtype").or(() -> f.optionalString("torch_dtype")),
                json);
    }
}

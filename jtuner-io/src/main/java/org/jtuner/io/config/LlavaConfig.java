package org.jtuner.io.config;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A LLaVA config ({@code LlavaForConditionalGeneration}), read as transformers' {@code LlavaConfig.__init__} reads
 * it:
 * <ul>
 *   <li>{@code text_config} without {@code model_type} is a llama config; a missing {@code text_config} is an
 *       all-defaults {@code LlamaConfig()};</li>
 *   <li>{@code vision_config} without {@code model_type} is a {@code clip_vision_model} config; a missing one is
 *       CLIP ViT-L/14 at 336 px (hidden 1024, intermediate 4096, 24 layers, 16 heads, patch 14, projection 768);</li>
 *   <li>{@code image_token_index} (alias {@code image_token_id}) defaults to 32000, {@code projector_hidden_act} to
 *       "gelu", {@code vision_feature_layer} to -2 (an int or a list of ints), {@code vision_feature_select_strategy}
 *       to "default" ("default" drops the CLS token, "full" keeps it), {@code image_seq_length} to 576,
 *       {@code multimodal_projector_bias} to true;</li>
 *   <li>{@code tie_word_embeddings} is true when the top level or the text config says so.</li>
 * </ul>
 *
 * @param visionFeatureLayers the vision layers whose features feed the projector (one for a plain int; several
 *                            are concatenated along the feature axis, as transformers does)
 */
public record LlavaConfig(
        String modelType,
        LlamaConfig textConfig,
        ClipVisionConfig visionConfig,
        int imageTokenIndex,
        String projectorHiddenAct,
        List<Integer> visionFeatureLayers,
        String visionFeatureSelectStrategy,
        int imageSeqLength,
        boolean multimodalProjectorBias,
        boolean tieWordEmbeddings,
        Optional<String> dtype,
        ObjectNode raw) implements HfConfig {

    public static final String MODEL_TYPE = "llava";

    public LlavaConfig {
        visionFeatureLayers = List.copyOf(visionFeatureLayers);
        raw = raw.deepCopy();
        if (visionFeatureLayers.isEmpty()) throw new IllegalArgumentException("llava config: vision_feature_layer is empty");
        if (!visionFeatureSelectStrategy.equals("default") && !visionFeatureSelectStrategy.equals("full")) {
            throw new IllegalArgumentException("llava config: vision_feature_select_strategy must be 'default' or "
                    + "'full', got '" + visionFeatureSelectStrategy + "'");
        }
    }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    /** The single feature layer; fails when the config names several. */
    public int visionFeatureLayer() {
        if (visionFeatureLayers.size() != 1) {
            throw new IllegalStateException("this config takes features from several layers: " + visionFeatureLayers);
        }
        return visionFeatureLayers.getFirst();
    }

    /** Whether the CLS token is dropped from the vision features ("default") rather than kept ("full"). */
    public boolean dropsClsToken() {
        return visionFeatureSelectStrategy.equals("default");
    }

    public static LlavaConfig fromJson(ObjectNode json) {
        ConfigFields f = new ConfigFields(json, "llava config");

        ObjectNode text = f.object("text_config");
        LlamaConfig textConfig;
        if (text == null) {
            textConfig = LlamaConfig.defaultsOf("llama");
        } else {
            String type = new ConfigFields(text, "text_config").string("model_type", "llama");
            if (!LlamaConfig.MODEL_TYPES.contains(type)) {
                throw new IllegalArgumentException("llava config: text_config model_type '" + type
                        + "' is not supported (supported: " + String.join(", ", LlamaConfig.MODEL_TYPES) + ")");
            }
            textConfig = LlamaConfig.fromJson(text, "text_config");
        }

        ObjectNode vision = f.object("vision_config");
        ClipVisionConfig visionConfig = vision == null
                ? ClipVisionConfig.fromJson(defaultVisionConfig(), "vision_config")
                : ClipVisionConfig.fromJson(vision, "vision_config");

        int imageToken = f.hasValue("image_token_index") ? f.integer("image_token_index", 32000)
                : f.integer("image_token_id", 32000);
        return new LlavaConfig(
                f.string("model_type", MODEL_TYPE),
                textConfig,
                visionConfig,
                imageToken,
                f.string("projector_hidden_act", "gelu"),
                f.intOrList("vision_feature_layer", List.of(-2)),
                f.string("vision_feature_select_strategy", "default"),
                f.integer("image_seq_length", 576),
                f.bool("multimodal_projector_bias", true),
                f.bool("tie_word_embeddings", false) || textConfig.tieWordEmbeddings(),
                f.optionalString("dtype").or(() -> f.optionalString("torch_dtype")),
                json);
    }

    /** What {@code LlavaConfig.__init__} builds when there is no vision_config: CLIP ViT-L/14-336. */
    private static ObjectNode defaultVisionConfig() {
        return JsonNodeFactory.instance.objectNode()
                .put("model_type", ClipVisionConfig.MODEL_TYPE)
                .put("intermediate_size", 4096)
                .put("hidden_size", 1024)
                .put("patch_size", 14)
                .put("image_size", 336)
                .put("num_hidden_layers", 24)
                .put("num_attention_heads", 16)
                .put("projection_dim", 768);
    }
}

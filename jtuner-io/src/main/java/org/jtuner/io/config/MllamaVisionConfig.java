package org.jtuner.io.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The vision side of a Llama-3.2-Vision ({@code mllama}) config: transformers 4.47.1's {@code MllamaVisionConfig}
 * with its defaults (the 11B model's: hidden 1280, 32 local + 8 global layers, patch 14 at 448 px, four tiles,
 * intermediate layers [3, 7, 15, 23, 30], output dim 7680).
 *
 * <p>The number of heads is stored as {@code attention_heads} (that is what {@code save_pretrained} writes; the
 * constructor's {@code num_attention_heads} is read too, {@code attention_heads} winning as in transformers).
 * Fields that transformers' config does not know are refused by name, as are values the model cannot run with.
 */
public record MllamaVisionConfig(
        int hiddenSize,
        String hiddenAct,
        int numHiddenLayers,
        int numGlobalLayers,
        int attentionHeads,
        int numChannels,
        int intermediateSize,
        int visionOutputDim,
        int imageSize,
        int patchSize,
        double normEps,
        int maxNumTiles,
        List<Integer> intermediateLayersIndices,
        List<List<Integer>> supportedAspectRatios,
        double initializerRange,
        Optional<String> dtype,
        ObjectNode raw) {

    public static final String MODEL_TYPE = "mllama_vision_model";

    /** transformers' defaults when {@code supported_aspect_ratios} is absent (only valid with four tiles). */
    public static final List<List<Integer>> DEFAULT_ASPECT_RATIOS = List.of(
            List.of(1, 1), List.of(1, 2), List.of(1, 3), List.of(1, 4),
            List.of(2, 1), List.of(2, 2), List.of(3, 1), List.of(4, 1));

    public static final List<Integer> DEFAULT_INTERMEDIATE_LAYERS = List.of(3, 7, 15, 23, 30);

    /** The activations {@code F.activation} computes. */
    private static final Set<String> ACTIVATIONS =
            Set.of("gelu", "gelu_pytorch_tanh", "gelu_new", "gelu_fast", "quick_gelu", "silu", "swish", "relu", "tanh");

    /** MllamaVisionConfig's own fields. */
    private static final Set<String> OWN_FIELDS = Set.of(
            "model_type", "hidden_size", "hidden_act", "num_hidden_layers", "num_global_layers", "num_attention_heads",
            "attention_heads", "num_channels", "intermediate_size", "vision_output_dim", "image_size", "patch_size",
            "norm_eps", "max_num_tiles", "intermediate_layers_indices", "supported_aspect_ratios",
            "initializer_range");

    /**
     * The fields every transformers config carries ({@code PretrainedConfig} of 4.47.1, as {@code config.full.json}
     * spells them, plus the bookkeeping that other versions write). They do not change the vision encoder.
     */
    private static final Set<String> GENERIC_FIELDS = Set.of(
            "_attn_implementation_autoset", "_name_or_path", "add_cross_attention", "architectures", "bad_words_ids",
            "begin_suppress_tokens", "bos_token_id", "chunk_size_feed_forward", "cross_attention_hidden_size",
            "decoder_start_token_id", "diversity_penalty", "do_sample", "early_stopping",
            "encoder_no_repeat_ngram_size", "eos_token_id", "exponential_decay_length_penalty", "finetuning_task",
            "forced_bos_token_id", "forced_eos_token_id", "id2label", "is_decoder", "is_encoder_decoder", "label2id",
            "length_penalty", "max_length", "min_length", "no_repeat_ngram_size", "num_beam_groups", "num_beams",
            "num_return_sequences", "output_attentions", "output_hidden_states", "output_scores", "pad_token_id",
            "prefix", "problem_type", "pruned_heads", "remove_invalid_values", "repetition_penalty", "return_dict",
            "return_dict_in_generate", "sep_token_id", "suppress_tokens", "task_specific_params", "temperature",
            "tf_legacy_loss", "tie_encoder_decoder", "tie_word_embeddings", "tokenizer_class", "top_k", "top_p",
            "torch_dtype", "dtype", "torchscript", "typical_p", "use_bfloat16", "transformers_version",
            "_commit_hash", "attn_implementation", "_attn_implementation", "num_labels");

    public MllamaVisionConfig {
        intermediateLayersIndices = List.copyOf(intermediateLayersIndices);
        supportedAspectRatios = supportedAspectRatios.stream().map(List::copyOf).toList();
        raw = raw.deepCopy();
        String where = "vision_config";
        if (!ACTIVATIONS.contains(hiddenAct)) {
            throw new IllegalArgumentException(where + ": hidden_act '" + hiddenAct + "' is not supported (supported: "
                    + new TreeSet<>(ACTIVATIONS) + ")");
        }
        positive(where, "hidden_size", hiddenSize);
        positive(where, "attention_heads", attentionHeads);
        positive(where, "patch_size", patchSize);
        positive(where, "image_size", imageSize);
        positive(where, "max_num_tiles", maxNumTiles);
        positive(where, "num_channels", numChannels);
        positive(where, "intermediate_size", intermediateSize);
        if (numHiddenLayers < 0 || numGlobalLayers < 0) {
            throw new IllegalArgumentException(where + ": num_hidden_layers (" + numHiddenLayers
                    + ") and num_global_layers (" + numGlobalLayers + ") must not be negative");
        }
        if (hiddenSize % attentionHeads != 0) {
            throw new IllegalArgumentException(where + ": hidden_size (" + hiddenSize
                    + ") must be a multiple of attention_heads (" + attentionHeads + ")");
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException(where + ": image_size (" + imageSize
                    + ") must be a multiple of patch_size (" + patchSize + ")");
        }
        for (int index : intermediateLayersIndices) {
            // Indices into the local encoder's hidden states (num_hidden_layers + 1 of them); Python allows negatives.
            if (index > numHiddenLayers || index < -(numHiddenLayers + 1)) {
                throw new IllegalArgumentException(where + ": intermediate_layers_indices " + intermediateLayersIndices
                        + " has " + index + ", outside the " + (numHiddenLayers + 1)
                        + " hidden states of num_hidden_layers " + numHiddenLayers);
            }
        }
        int produced = hiddenSize * (1 + intermediateLayersIndices.size());
        if (visionOutputDim != produced) {
            throw new IllegalArgumentException(where + ": vision_output_dim is " + visionOutputDim
                    + ", but the encoder produces hidden_size × (1 + len(intermediate_layers_indices)) = " + produced);
        }
        if (supportedAspectRatios.isEmpty()) {
            throw new IllegalArgumentException(where + ": supported_aspect_ratios is empty");
        }
        for (List<Integer> ratio : supportedAspectRatios) {
            if (ratio.size() != 2 || ratio.get(0) <= 0 || ratio.get(1) <= 0 || ratio.get(0) * ratio.get(1) > maxNumTiles) {
                throw new IllegalArgumentException(where + ": supported_aspect_ratios has " + ratio
                        + "; each must be [tiles high, tiles wide], positive, at most max_num_tiles (" + maxNumTiles
                        + ") tiles");
            }
        }
    }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    /** Patches per tile side. */
    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    /** Tokens per tile: the patches plus the class token (1601 for the 11B model, 17 for the fixture). */
    public int numPatchesWithCls() {
        int side = patchesPerSide();
        return side * side + 1;
    }

    /** Tokens per tile after the encoder's zero padding to a multiple of 8 (1608, 24). */
    public int paddedTokensPerTile() {
        return (numPatchesWithCls() + 7) / 8 * 8;
    }

    public int headDim() {
        return hiddenSize / attentionHeads;
    }

    /** The number of aspect-ratio ids: one per supported ratio, 0 meaning "no image" is an extra row. */
    public int maxAspectRatioId() {
        return supportedAspectRatios.size();
    }

    /** {@link #intermediateLayersIndices} with Python's negative indices resolved, into 0..num_hidden_layers. */
    public List<Integer> resolvedIntermediateLayers() {
        List<Integer> out = new ArrayList<>();
        for (int i : intermediateLayersIndices) out.add(i < 0 ? i + numHiddenLayers + 1 : i);
        return List.copyOf(out);
    }

    /**
     * The vision part of a whole {@code mllama} config.json: its {@code vision_config} (absent or null → every
     * default, as {@code MllamaConfig} does).
     */
    public static MllamaVisionConfig fromMllamaConfig(ObjectNode mllama) {
        ConfigFields top = new ConfigFields(mllama, "config");
        ObjectNode vision = top.object("vision_config");
        return fromJson(vision == null ? JsonNodeFactory.instance.objectNode() : vision);
    }

    /** A {@code vision_config} object (or a standalone {@code mllama_vision_model} config). */
    public static MllamaVisionConfig fromJson(ObjectNode json) {
        String where = "vision_config";
        ConfigFields f = new ConfigFields(json, where);
        List<String> unknown = new ArrayList<>();
        json.fieldNames().forEachRemaining(k -> {
            if (!OWN_FIELDS.contains(k) && !GENERIC_FIELDS.contains(k)) unknown.add(k);
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(where + ": unknown field(s) " + unknown + " (not in transformers 4.47.1's "
                    + "MllamaVisionConfig); remove them or check the spelling");
        }
        String modelType = f.string("model_type", MODEL_TYPE);
        if (!modelType.equals(MODEL_TYPE)) {
            throw new IllegalArgumentException(where + ": model_type '" + modelType + "' is not " + MODEL_TYPE);
        }
        int maxNumTiles = f.integer("max_num_tiles", 4);
        List<List<Integer>> ratios;
        if (f.hasValue("supported_aspect_ratios")) {
            ratios = aspectRatios(f, json.get("supported_aspect_ratios"));
        } else {
            if (maxNumTiles != 4) {
                throw new IllegalArgumentException(where + ": max_num_tiles is " + maxNumTiles
                        + " but supported_aspect_ratios is not given; the default ratios need max_num_tiles 4");
            }
            ratios = DEFAULT_ASPECT_RATIOS;
        }
        List<Integer> indices = f.hasValue("intermediate_layers_indices")
                ? intList(f, "intermediate_layers_indices", json.get("intermediate_layers_indices"))
                : DEFAULT_INTERMEDIATE_LAYERS;
        // attention_heads is the attribute; a saved config has it, the constructor takes num_attention_heads.
        int heads = f.integer("attention_heads", f.integer("num_attention_heads", 16));
        return new MllamaVisionConfig(
                f.integer("hidden_size", 1280),
                f.string("hidden_act", "gelu"),
                f.integer("num_hidden_layers", 32),
                f.integer("num_global_layers", 8),
                heads,
                f.integer("num_channels", 3),
                f.integer("intermediate_size", 5120),
                f.integer("vision_output_dim", 7680),
                f.integer("image_size", 448),
                f.integer("patch_size", 14),
                f.number("norm_eps", 1e-5),
                maxNumTiles,
                indices,
                ratios,
                f.number("initializer_range", 0.02),
                f.optionalString("dtype").or(() -> f.optionalString("torch_dtype")),
                json);
    }

    private static List<List<Integer>> aspectRatios(ConfigFields f, JsonNode n) {
        if (!n.isArray()) throw f.wrong("supported_aspect_ratios", "a list of [height, width] pairs", n);
        List<List<Integer>> out = new ArrayList<>();
        for (JsonNode pair : n) out.add(intList(f, "supported_aspect_ratios", pair));
        return out;
    }

    private static List<Integer> intList(ConfigFields f, String key, JsonNode n) {
        if (!n.isArray()) throw f.wrong(key, "a list of integers", n);
        List<Integer> out = new ArrayList<>();
        for (JsonNode v : n) {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) throw f.wrong(key, "a list of integers", n);
            out.add(v.intValue());
        }
        return out;
    }

    private static void positive(String where, String key, int value) {
        if (value <= 0) throw new IllegalArgumentException(where + ": " + key + " must be positive, got " + value);
    }
}

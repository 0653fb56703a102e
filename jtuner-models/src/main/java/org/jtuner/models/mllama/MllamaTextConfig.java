package org.jtuner.models.mllama;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.LlamaConfig;

/**
 * The {@code text_config} of a Llama-3.2-Vision checkpoint (transformers 4.47.1's {@code MllamaTextConfig}): a Llama
 * 3.1 decoder whose layers listed in {@code cross_attention_layers} are gated cross-attention blocks.
 *
 * <p>Absent fields take {@code MllamaTextConfig}'s defaults (the 11B model: hidden 4096, 40 layers, 32/8 heads,
 * vocab 128256, rope_theta 5e5 and no rope scaling, rms_norm_eps 1e-5, pad 128004, cross-attention layers
 * [3, 8, ..., 38]). The Llama-shaped part is read by {@link LlamaConfig} (model type llama, after filling in these
 * defaults), so the self-attention layers are Llama's. A field that neither config class nor {@code PretrainedConfig}
 * knows is an error naming it.
 *
 * @param llama                            the decoder's shape, rope and token ids as a Llama config
 * @param crossAttentionLayers             which layer indices are cross-attention blocks
 * @param zeroTextOnlyCrossAttention       jtuner's {@code mllama_zero_text_only_cross_attention}: also zero the
 *                                         cross-attention output of text rows that see no image (Meta's reference;
 *                                         transformers 4.47.1 adds it, see transformers issue #39379); off by default
 */
public record MllamaTextConfig(LlamaConfig llama, List<Integer> crossAttentionLayers, boolean zeroTextOnlyCrossAttention,
                               ObjectNode raw) {
    public static final String MODEL_TYPE = "mllama_text_model";
    public static final String ZERO_TEXT_ONLY_KEY = "mllama_zero_text_only_cross_attention";

    /** Fields of MllamaTextConfig.__init__ and their defaults. */
    private static ObjectNode defaults() {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        d.put("vocab_size", 128256).put("hidden_size", 4096).put("hidden_act", "silu").put("num_hidden_layers", 40)
                .put("num_attention_heads", 32).put("num_key_value_heads", 8).put("intermediate_size", 14336)
                .put("rope_theta", 500000.0).putNull("rope_scaling").put("rms_norm_eps", 1e-5)
                .put("max_position_embeddings", 131072).put("initializer_range", 0.02).put("use_cache", true)
                .put("tie_word_embeddings", false).put("dropout", 0.0).put("bos_token_id", 128000)
                .put("eos_token_id", 128001).put("pad_token_id", 128004);
        return d;
    }

    /** Keys every transformers PretrainedConfig may carry (serialised by save_pretrained); they change no maths here. */
    static final Set<String> PRETRAINED_CONFIG_KEYS = Set.of("_attn_implementation_autoset", "_name_or_path",
            "add_cross_attention", "architectures", "bad_words_ids", "begin_suppress_tokens", "chunk_size_feed_forward",
            "cross_attention_hidden_size", "decoder_start_token_id", "diversity_penalty", "do_sample", "early_stopping",
            "encoder_no_repeat_ngram_size", "exponential_decay_length_penalty", "finetuning_task", "forced_bos_token_id",
            "forced_eos_token_id", "id2label", "is_decoder", "is_encoder_decoder", "label2id", "length_penalty",
            "max_length", "min_length", "model_type", "no_repeat_ngram_size", "num_beam_groups", "num_beams",
            "num_return_sequences", "output_attentions", "output_hidden_states", "output_scores", "prefix",
            "problem_type", "pruned_heads", "remove_invalid_values", "repetition_penalty", "return_dict",
            "return_dict_in_generate", "sep_token_id", "suppress_tokens", "task_specific_params", "temperature",
            "tf_legacy_loss", "tie_encoder_decoder", "tokenizer_class", "top_k", "top_p", "torch_dtype", "dtype",
            "torchscript", "typical_p", "use_bfloat16", "transformers_version", "attn_implementation",
            "_attn_implementation", "pad_token_id", "bos_token_id", "eos_token_id", "tie_word_embeddings");

    private static final Set<String> OWN_KEYS = Set.of("vocab_size", "hidden_size", "hidden_act", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "intermediate_size", "rope_theta", "rope_scaling",
            "rms_norm_eps", "max_position_embeddings", "initializer_range", "use_cache", "cross_attention_layers",
            "dropout", ZERO_TEXT_ONLY_KEY);

    public MllamaTextConfig {
        crossAttentionLayers = List.copyOf(crossAttentionLayers);
        raw = raw.deepCopy();
    }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    /** Reads {@code text_config} (absent fields take transformers 4.47.1's defaults). */
    public static MllamaTextConfig fromJson(ObjectNode json) {
        String where = "text_config";
        JsonNode type = json.get("model_type");
        if (type != null && !type.isNull() && !MODEL_TYPE.equals(type.asText())) {
            throw new IllegalArgumentException(where + ": model_type is '" + type.asText() + "', expected '" + MODEL_TYPE + "'");
        }
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!OWN_KEYS.contains(k) && !PRETRAINED_CONFIG_KEYS.contains(k)) unknown.add(k);
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(where + ": field(s) " + unknown + " are not MllamaTextConfig fields that "
                    + "jtuner reads (remove them, or check the checkpoint is a transformers Llama-3.2-Vision one)");
        }
        ObjectNode filled = defaults();
        json.fields().forEachRemaining(e -> {
            // An explicit null takes the default for the non-nullable fields, as PretrainedConfig's __init__ does.
            boolean nullable = e.getKey().equals("rope_scaling") || e.getKey().equals("pad_token_id");
            if (!e.getValue().isNull() || nullable) filled.set(e.getKey(), e.getValue());
        });
        double dropout = filled.path("dropout").asDouble(0);
        if (dropout != 0) {
            throw new IllegalArgumentException(where + ": dropout " + dropout + " is not supported (attention dropout); "
                    + "use 0, as the released checkpoints do");
        }
        ObjectNode asLlama = filled.deepCopy();
        asLlama.put("model_type", "llama");
        asLlama.remove(List.of("cross_attention_layers", "dropout", ZERO_TEXT_ONLY_KEY));
        LlamaConfig llama = LlamaConfig.fromJson(asLlama);
        if (!List.of("default", "linear", "llama3").contains(llama.rope().type())) {
            throw new IllegalArgumentException(where + ": rope_scaling type '" + llama.rope().type()
                    + "' is not supported (supported: default, linear, llama3; Llama-3.2-Vision uses llama3)");
        }
        List<Integer> cross = new ArrayList<>();
        JsonNode layers = json.get("cross_attention_layers");
        if (layers == null || layers.isNull()) {
            cross.addAll(List.of(3, 8, 13, 18, 23, 28, 33, 38));
        } else if (!layers.isArray()) {
            throw new IllegalArgumentException(where + ": 'cross_attention_layers' must be a list of layer indices, got " + layers);
        } else {
            for (JsonNode n : layers) {
                if (!n.canConvertToInt() || n.intValue() < 0 || n.intValue() >= llama.numHiddenLayers()) {
                    throw new IllegalArgumentException(where + ": cross_attention_layers entry " + n + " is not a layer "
                            + "index in 0.." + (llama.numHiddenLayers() - 1) + " (num_hidden_layers " + llama.numHiddenLayers() + ")");
                }
                cross.add(n.intValue());
            }
        }
        if (llama.hiddenSize() % llama.numAttentionHeads() != 0) {
            throw new IllegalArgumentException(where + ": hidden_size " + llama.hiddenSize()
                    + " is not a multiple of num_attention_heads " + llama.numAttentionHeads());
        }
        JsonNode zero = json.get(ZERO_TEXT_ONLY_KEY);
        if (zero != null && !zero.isNull() && !zero.isBoolean()) {
            throw new IllegalArgumentException(where + ": '" + ZERO_TEXT_ONLY_KEY + "' must be true or false, got " + zero);
        }
        return new MllamaTextConfig(llama, cross, zero != null && zero.asBoolean(false), json);
    }

    public boolean isCrossAttentionLayer(int layer) {
        return crossAttentionLayers.contains(layer);
    }

    public int vocabSize() { return llama.vocabSize(); }
    public int hiddenSize() { return llama.hiddenSize(); }
    public int numHiddenLayers() { return llama.numHiddenLayers(); }

    /** The embedding table has 8 rows beyond the vocabulary ({@code <|image|>} is row vocab_size). */
    public int embeddingRows() { return llama.vocabSize() + 8; }
}

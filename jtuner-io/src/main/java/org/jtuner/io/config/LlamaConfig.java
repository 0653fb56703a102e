package org.jtuner.io.config;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The decoder LLM's config, for every Llama-shaped model type jtuner runs: {@code llama} (Llama 2/3, Vicuna),
 * {@code mistral}, {@code qwen2} and {@code internlm2}. Missing fields take the defaults of that type's transformers
 * config class ({@code configuration_llama.py}, {@code configuration_mistral.py}, {@code configuration_qwen2.py}, and
 * InternLM2's remote-code {@code configuration_internlm2.py}), so a config reads as transformers would read it.
 *
 * <p>Differences between the types are folded into plain fields:
 * <ul>
 *   <li>{@code attentionBias} is the bias of q/k/v, {@code attentionOutputBias} that of o_proj: Llama's
 *       {@code attention_bias} sets both; Qwen2 always has q/k/v biases and no o_proj bias; InternLM2's {@code bias}
 *       sets both ({@code wqkv} and {@code wo}).</li>
 *   <li>{@code numKeyValueHeads}: absent means Llama/InternLM2 → {@code num_attention_heads}, Mistral → 8,
 *       Qwen2 → 32 (the class defaults); an explicit null means {@code num_attention_heads}.</li>
 *   <li>{@code slidingWindow}: Mistral's {@code sliding_window} (default 4096); Qwen2's only when
 *       {@code use_sliding_window} is true (which layers use it, {@code max_window_layers}, is left in
 *       {@link #raw()}); none for Llama and InternLM2.</li>
 * </ul>
 *
 * @param eosTokenIds one or more end ids ({@code eos_token_id} may be a list, as in Llama 3); empty when unset
 * @param dtype       {@code dtype} (transformers 5) or {@code torch_dtype} (older), e.g. "bfloat16"
 */
public record LlamaConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        String hiddenAct,
        double rmsNormEps,
        RopeParameters rope,
        int maxPositionEmbeddings,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean attentionOutputBias,
        boolean mlpBias,
        OptionalInt bosTokenId,
        List<Integer> eosTokenIds,
        OptionalInt padTokenId,
        OptionalInt slidingWindow,
        Optional<String> dtype,
        ObjectNode raw) implements HfConfig {

    /** The model types this record reads. */
    public static final List<String> MODEL_TYPES = List.of("llama", "mistral", "qwen2", "internlm2");

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        raw = raw.deepCopy();
        if (numAttentionHeads <= 0 || numKeyValueHeads <= 0 || numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException(modelType + " config: num_attention_heads (" + numAttentionHeads
                    + ") must be a positive multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
    }

    @Override
    public ObjectNode raw() {
        return raw.deepCopy();
    }

    /** Query heads per key/value head (1 without grouped-query attention). */
    public int queriesPerKeyValueHead() {
        return numAttentionHeads / numKeyValueHeads;
    }

    /** The class defaults of one model type (transformers' {@code __init__} / dataclass defaults). */
    private record Defaults(int vocabSize, int intermediateSize, Integer numKeyValueHeadsIfAbsent,
                            int maxPositionEmbeddings, OptionalInt bos, List<Integer> eos, OptionalInt pad) {}

    private static Defaults defaults(String modelType) {
        return switch (modelType) {
            case "llama" -> new Defaults(32000, 11008, null, 2048, OptionalInt.of(1), List.of(2), OptionalInt.empty());
            case "mistral" -> new Defaults(32000, 14336, 8, 4096 * 32, OptionalInt.of(1), List.of(2), OptionalInt.empty());
            case "qwen2" -> new Defaults(151936, 22016, 32, 32768, OptionalInt.empty(), List.of(), OptionalInt.empty());
            case "internlm2" -> new Defaults(103168, 11008, null, 2048, OptionalInt.of(1), List.of(2), OptionalInt.of(0));
            default -> throw new IllegalArgumentException("model_type '" + modelType + "' is not a Llama-family type "
                    + "(supported: " + String.join(", ", MODEL_TYPES) + ")");
        };
    }

    /** Reads a config of {@code model_type} llama, mistral, qwen2 or internlm2 (the default when it has none: llama). */
    public static LlamaConfig fromJson(ObjectNode json) {
        return fromJson(json, "config");
    }

    static LlamaConfig fromJson(ObjectNode json, String where) {
        ConfigFields f = new ConfigFields(json, where);
        String modelType = f.string("model_type", "llama");
        Defaults d = defaults(modelType);

        // Shared by all four types: hidden 4096, 32 layers, 32 heads, silu, eps 1e-6, RoPE base 10000, untied.
        int hidden = f.integer("hidden_size", 4096);
        int heads = f.integer("num_attention_heads", 32);
        int kvHeads;
        if (!f.has("num_key_value_heads")) kvHeads = d.numKeyValueHeadsIfAbsent() != null ? d.numKeyValueHeadsIfAbsent() : heads;
        else kvHeads = f.integer("num_key_value_heads", heads);
        int derivedHeadDim = heads > 0 ? hidden / heads : 0; // bad head counts are reported by the constructor
        int headDim = modelType.equals("internlm2") ? derivedHeadDim : f.integer("head_dim", derivedHeadDim);
        int maxPositions = f.integer("max_position_embeddings", d.maxPositionEmbeddings());

        boolean qkvBias, outputBias, mlpBias;
        switch (modelType) {
            case "llama" -> {
                qkvBias = outputBias = f.bool("attention_bias", false);
                mlpBias = f.bool("mlp_bias", false);
            }
            case "qwen2" -> {
                qkvBias = true;
                outputBias = mlpBias = false;
            }
            case "internlm2" -> {
                qkvBias = outputBias = f.bool("bias", true);
                mlpBias = false;
            }
            default -> qkvBias = outputBias = mlpBias = false; // mistral
        }

        OptionalInt slidingWindow = switch (modelType) {
            case "mistral" -> f.optionalInt("sliding_window", OptionalInt.of(4096));
            case "qwen2" -> f.bool("use_sliding_window", false)
                    ? f.optionalInt("sliding_window", OptionalInt.of(4096)) : OptionalInt.empty();
            default -> OptionalInt.empty();
        };

        Optional<String> dtype = f.optionalString("dtype").or(() -> f.optionalString("torch_dtype"));
        return new LlamaConfig(
                modelType,
                f.integer("vocab_size", d.vocabSize()),
                hidden,
                f.integer("intermediate_size", d.intermediateSize()),
                f.integer("num_hidden_layers", 32),
                heads,
                kvHeads,
                headDim,
                f.string("hidden_act", "silu"),
                f.number("rms_norm_eps", 1e-6),
                RopeParameters.resolve(f, 10000.0, maxPositions),
                maxPositions,
                f.bool("tie_word_embeddings", false),
                qkvBias,
                outputBias,
                mlpBias,
                f.optionalInt("bos_token_id", d.bos()),
                f.intOrList("eos_token_id", d.eos()),
                f.optionalInt("pad_token_id", d.pad()),
                slidingWindow,
                dtype,
                json);
    }

    /** A config of {@code modelType} with every field at its transformers default. */
    public static LlamaConfig defaultsOf(String modelType) {
        return fromJson(JsonNodeFactory.instance.objectNode().put("model_type", modelType));
    }
}

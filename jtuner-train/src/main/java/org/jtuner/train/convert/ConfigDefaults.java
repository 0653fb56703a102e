package org.jtuner.train.convert;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The fields transformers writes into a Llama or CLIP-vision config, filled with its defaults where a minimal
 * config.json leaves them out, so that a written LLaVA config has the same fields as one transformers saved.
 */
final class ConfigDefaults {
    private ConfigDefaults() {}

    static ObjectNode llama(ObjectNode c) {
        if (!c.path("model_type").asText().equals("llama")) return c;
        int heads = c.path("num_attention_heads").asInt(32);
        c.putIfAbsent("attention_bias", c.booleanNode(false));
        c.putIfAbsent("attention_dropout", c.numberNode(0.0));
        c.putIfAbsent("bos_token_id", c.numberNode(1));
        c.putIfAbsent("eos_token_id", c.numberNode(2));
        c.putIfAbsent("head_dim", c.numberNode(c.path("hidden_size").asInt(4096) / heads));
        c.putIfAbsent("hidden_act", c.textNode("silu"));
        c.putIfAbsent("initializer_range", c.numberNode(0.02));
        c.putIfAbsent("max_position_embeddings", c.numberNode(2048));
        c.putIfAbsent("mlp_bias", c.booleanNode(false));
        c.putIfAbsent("num_key_value_heads", c.numberNode(heads));
        c.putIfAbsent("pad_token_id", c.nullNode());
        c.putIfAbsent("pretraining_tp", c.numberNode(1));
        c.putIfAbsent("rms_norm_eps", c.numberNode(1e-6));
        if (!c.has("rope_parameters")) {
            ObjectNode rope = c.objectNode().put("rope_theta", c.path("rope_theta").asDouble(10000.0));
            rope.put("rope_type", c.path("rope_scaling").path("rope_type").asText("default"));
            c.set("rope_parameters", rope);
        }
        c.putIfAbsent("tie_word_embeddings", c.booleanNode(false));
        c.putIfAbsent("use_cache", c.booleanNode(true));
        return c;
    }

    /**
     * InternLM2's config as the Llama config it is mathematically (jtuner holds InternLM2 as a Llama, its packed
     * {@code wqkv} split on load): a LLaVA text_config transformers and jtuner both read without remote code. The
     * weights are written under Llama's names to match.
     */
    static ObjectNode internlm2AsLlama(ObjectNode c) {
        if (!c.path("model_type").asText().equals("internlm2")) return c;
        ObjectNode l = c.objectNode();
        for (String k : new String[] {"vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                "num_attention_heads", "num_key_value_heads", "max_position_embeddings", "rms_norm_eps", "rope_theta",
                "rope_scaling", "bos_token_id", "eos_token_id", "pad_token_id", "tie_word_embeddings", "hidden_act",
                "initializer_range", "use_cache"}) {
            if (c.has(k)) l.set(k, c.get(k));
        }
        l.put("model_type", "llama");
        l.put("attention_bias", c.path("bias").asBoolean(false));
        return llama(l);
    }

    static ObjectNode clipVision(ObjectNode c) {
        c.putIfAbsent("attention_dropout", c.numberNode(0.0));
        c.putIfAbsent("hidden_act", c.textNode("quick_gelu"));
        c.putIfAbsent("initializer_factor", c.numberNode(1.0));
        c.putIfAbsent("initializer_range", c.numberNode(0.02));
        c.putIfAbsent("layer_norm_eps", c.numberNode(1e-5));
        c.putIfAbsent("num_channels", c.numberNode(3));
        c.putIfAbsent("projection_dim", c.numberNode(512));
        return c;
    }
}

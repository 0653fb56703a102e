package org.jtuner.text.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What {@code tokenizer_config.json} adds to {@code tokenizer.json}: which tokens transformers treats as BOS, EOS,
 * padding and unknown, and its {@code add_bos_token}/{@code add_eos_token} flags (null where the file does not say).
 * Encoding itself follows {@code tokenizer.json}'s post-processor, as the tokenizers library does.
 */
public record TokenizerConfig(String bosToken, String eosToken, String padToken, String unkToken,
                              Boolean addBosToken, Boolean addEosToken, String tokenizerClass) {
    public static final TokenizerConfig EMPTY = new TokenizerConfig(null, null, null, null, null, null, null);

    static TokenizerConfig fromJson(JsonNode root) {
        return new TokenizerConfig(token(root.get("bos_token")), token(root.get("eos_token")), token(root.get("pad_token")),
                token(root.get("unk_token")), flag(root.get("add_bos_token")), flag(root.get("add_eos_token")),
                root.path("tokenizer_class").isTextual() ? root.get("tokenizer_class").asText() : null);
    }

    /** A token is written as a string or, by older transformers, as an AddedToken object with "content". */
    private static String token(JsonNode n) {
        if (n == null || n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isObject() && n.path("content").isTextual()) return n.get("content").asText();
        return null;
    }

    private static Boolean flag(JsonNode n) {
        return n != null && n.isBoolean() ? n.booleanValue() : null;
    }
}

package org.jtuner.text.tokenizer.model;

import java.util.List;

import org.jtuner.text.tokenizer.util.IntList;

/** Turns one pre-tokenized word into token ids (the reference's {@code model}). Implementations are thread-safe. */
public interface Model {
    /**
     * Appends the ids of {@code word} to {@code ids} and, when {@code tokens} is not null, their token strings to
     * {@code tokens}.
     */
    void tokenize(String word, IntList ids, List<String> tokens);

    /** The id of a vocabulary entry, or -1. */
    int tokenToId(String token);

    /** The vocabulary entry of an id, or null. */
    String idToToken(int id);

    /** Number of entries in the model's vocabulary (added tokens not counted). */
    int vocabSize();
}

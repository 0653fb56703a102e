package org.jtuner.text.tokenizer.pretokenizer;

/** Receives the pieces a pre-tokenizer cuts, in order; never called with an empty piece. */
@FunctionalInterface
public interface PieceSink {
    /**
     * @param atStart whether the piece begins at the very start of the input text (Metaspace's "first" prepend
     *                scheme depends on it)
     */
    void accept(String piece, boolean atStart);
}

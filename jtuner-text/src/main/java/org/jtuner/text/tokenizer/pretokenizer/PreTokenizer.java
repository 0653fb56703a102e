package org.jtuner.text.tokenizer.pretokenizer;

/**
 * Cuts a normalized piece of text into the words that the model tokenizes one by one (the reference's
 * {@code pre_tokenizer}); it may also rewrite them, as ByteLevel does. Pieces are handled independently, so
 * pre-tokenizers compose by streaming each one's output into the next.
 */
@FunctionalInterface
public interface PreTokenizer {
    void preTokenize(String piece, boolean atStart, PieceSink out);
}

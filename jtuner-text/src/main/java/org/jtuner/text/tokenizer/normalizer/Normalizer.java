package org.jtuner.text.tokenizer.normalizer;

/**
 * Rewrites a piece of input text before it is pre-tokenized (the reference's {@code normalizer}). It sees each
 * piece between added tokens on its own, so it must not assume it sees the whole input.
 */
@FunctionalInterface
public interface Normalizer {
    String normalize(String text);
}

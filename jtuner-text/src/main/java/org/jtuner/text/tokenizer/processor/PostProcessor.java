package org.jtuner.text.tokenizer.processor;

import java.util.List;

/**
 * Adds the special tokens around an encoded sequence (the reference's {@code post_processor}), such as Llama 2's
 * BOS. Only single sequences are encoded here, so only the single-sequence form is implemented.
 */
@FunctionalInterface
public interface PostProcessor {
    Encoded process(Encoded sequence, boolean addSpecialTokens);

    /** Ids and, when asked for, their token strings (null otherwise). */
    record Encoded(int[] ids, List<String> tokens) {}
}

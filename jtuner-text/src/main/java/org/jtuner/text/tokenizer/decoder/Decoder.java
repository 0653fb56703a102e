package org.jtuner.text.tokenizer.decoder;

import java.util.List;

/**
 * Turns token strings back into text (the reference's {@code decoder}). Decoders chain: each maps the list of
 * strings to a new list, and the final text is the concatenation.
 */
@FunctionalInterface
public interface Decoder {
    List<String> decodeChain(List<String> tokens);

    default String decode(List<String> tokens) {
        return String.join("", decodeChain(tokens));
    }
}

package org.jtuner.text.tokenizer.decoder;

import java.util.List;

/** Runs decoders in order, each on the strings the previous one produced. */
public record DecoderSequence(List<Decoder> decoders) implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        for (Decoder d : decoders) tokens = d.decodeChain(tokens);
        return tokens;
    }
}

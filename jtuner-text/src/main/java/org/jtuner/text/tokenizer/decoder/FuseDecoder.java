package org.jtuner.text.tokenizer.decoder;

import java.util.List;

/** Joins all strings into one, so that later steps (Strip) see the whole text. */
public record FuseDecoder() implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        return List.of(String.join("", tokens));
    }
}

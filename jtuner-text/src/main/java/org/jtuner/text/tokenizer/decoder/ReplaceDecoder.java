package org.jtuner.text.tokenizer.decoder;

import java.util.List;

import org.jtuner.text.tokenizer.normalizer.ReplaceNormalizer;
import org.jtuner.text.tokenizer.util.SplitPattern;

/** Replaces a literal or regex in each string (Llama 2: "▁" back to " "). */
public record ReplaceDecoder(SplitPattern pattern, String content) implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        return tokens.stream().map(t -> ReplaceNormalizer.replaceAll(pattern, content, t)).toList();
    }
}

package org.jtuner.text.tokenizer.normalizer;

import java.util.List;

/** Applies normalizers one after the other. */
public record NormalizerSequence(List<Normalizer> normalizers) implements Normalizer {
    @Override
    public String normalize(String text) {
        for (Normalizer n : normalizers) text = n.normalize(text);
        return text;
    }
}

package org.jtuner.text.tokenizer.normalizer;

/**
 * Puts a fixed string in front of every non-empty piece (Llama 2's tokenizer prepends "▁", which is why text right
 * after an added token also gets one).
 */
public record PrependNormalizer(String prefix) implements Normalizer {
    @Override
    public String normalize(String text) {
        return text.isEmpty() ? text : prefix + text;
    }
}

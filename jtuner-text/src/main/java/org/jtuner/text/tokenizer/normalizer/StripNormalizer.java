package org.jtuner.text.tokenizer.normalizer;

import org.jtuner.text.tokenizer.util.UnicodeChars;

/** Removes White_Space on the left and/or right of each piece. */
public record StripNormalizer(boolean left, boolean right) implements Normalizer {
    @Override
    public String normalize(String text) {
        int start = 0, end = text.length();
        if (left) {
            while (start < end) {
                int cp = text.codePointAt(start);
                if (!UnicodeChars.isWhiteSpace(cp)) break;
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = text.codePointBefore(end);
                if (!UnicodeChars.isWhiteSpace(cp)) break;
                end -= Character.charCount(cp);
            }
        }
        return text.substring(start, end);
    }
}

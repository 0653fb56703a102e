package org.jtuner.text.tokenizer.normalizer;

import java.text.Normalizer.Form;

/**
 * NFC, NFD, NFKC or NFKD (Qwen's tokenizers use NFC) as the reference computes them, with Unicode 9.0 data:
 * characters newer than that ({@link Unicode9Newcomers}) stay as they are and split the text, since to the
 * reference they are starters that nothing reorders or composes across; the pieces between them are normalized
 * with java.text.Normalizer.
 */
public record UnicodeNormalizer(Form form) implements Normalizer {
    @Override
    public String normalize(String text) {
        StringBuilder out = null;
        int pieceStart = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (cp >= 0x7FD && Unicode9Newcomers.contains(cp)) {
                if (out == null) out = new StringBuilder(text.length() + 16);
                out.append(javaNormalize(text.substring(pieceStart, i))).appendCodePoint(cp);
                pieceStart = next;
            }
            i = next;
        }
        if (out == null) return javaNormalize(text);
        return out.append(javaNormalize(text.substring(pieceStart))).toString();
    }

    private String javaNormalize(String text) {
        // Most text is already normalized: the quick check avoids copying it.
        return java.text.Normalizer.isNormalized(text, form) ? text : java.text.Normalizer.normalize(text, form);
    }
}

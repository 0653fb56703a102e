package org.jtuner.text.tokenizer.normalizer;

/**
 * Lowercases character by character as Rust's {@code char::to_lowercase} does: no locale rules and no final-sigma
 * context (which {@link String#toLowerCase} would apply).
 */
public record LowercaseNormalizer() implements Normalizer {
    @Override
    public String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0x130) out.append("i\u0307"); // the one unconditional multi-character lowercase mapping
            else out.appendCodePoint(Character.toLowerCase(cp));
        }
        return out.toString();
    }
}

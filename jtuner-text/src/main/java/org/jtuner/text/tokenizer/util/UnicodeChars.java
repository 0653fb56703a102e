package org.jtuner.text.tokenizer.util;

/**
 * Character classes as the reference (Rust) defines them, which differ from {@link Character#isWhitespace}:
 * Rust's {@code char::is_whitespace} and regex {@code \s} are the Unicode White_Space property (with U+00A0 and
 * U+3000, without U+001C..U+001F); regex {@code \w} is Alphabetic, marks, decimal digits, connector punctuation and
 * the joiners.
 */
public final class UnicodeChars {
    private UnicodeChars() {}

    public static boolean isWhiteSpace(int cp) {
        return switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    public static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp)) return true;
        return switch (Character.getType(cp)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK,
                 Character.DECIMAL_DIGIT_NUMBER, Character.CONNECTOR_PUNCTUATION -> true;
            default -> cp == 0x200C || cp == 0x200D;
        };
    }
}

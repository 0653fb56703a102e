package org.jtuner.text.tokenizer.util;

/**
 * GPT-2's reversible map between the 256 byte values and 256 printable characters: printable Latin-1 bytes stand
 * for themselves, the others (controls, space, soft hyphen...) are moved to U+0100 and up. Byte-level BPE
 * vocabularies are written in these characters.
 */
public final class ByteLevelAlphabet {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE;

    static {
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 0;
        for (int b = 0; b < 256; b++) BYTE_TO_CHAR[b] = printable[b] ? (char) b : (char) (256 + next++);
        CHAR_TO_BYTE = new int[256 + next];
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
    }

    private ByteLevelAlphabet() {}

    public static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte that {@code c} stands for, or -1 when {@code c} is not in the alphabet. */
    public static int byteOf(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The UTF-8 bytes of {@code s}, each written as its alphabet character. */
    public static String encode(String s) {
        int n = s.length();
        char[] out = new char[n * 3];
        int o = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[o++] = BYTE_TO_CHAR[c];
            } else if (c < 0x800) {
                if (o + 2 > out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
                out[o++] = BYTE_TO_CHAR[0xC0 | (c >> 6)];
                out[o++] = BYTE_TO_CHAR[0x80 | (c & 0x3F)];
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                if (o + 4 > out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
                out[o++] = BYTE_TO_CHAR[0xF0 | (cp >> 18)];
                out[o++] = BYTE_TO_CHAR[0x80 | ((cp >> 12) & 0x3F)];
                out[o++] = BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)];
                out[o++] = BYTE_TO_CHAR[0x80 | (cp & 0x3F)];
            } else {
                // A lone surrogate cannot be UTF-8; like Java's encoder we write U+FFFD (EF BF BD) for it.
                int cp = Character.isSurrogate(c) ? 0xFFFD : c;
                if (o + 3 > out.length) out = java.util.Arrays.copyOf(out, out.length * 2);
                out[o++] = BYTE_TO_CHAR[0xE0 | (cp >> 12)];
                out[o++] = BYTE_TO_CHAR[0x80 | ((cp >> 6) & 0x3F)];
                out[o++] = BYTE_TO_CHAR[0x80 | (cp & 0x3F)];
            }
        }
        return new String(out, 0, o);
    }
}

package org.jtuner.text.tokenizer.util;

/**
 * UTF-8 decoding with Rust's rules, which the reference tokenizers use: {@link #decodeLossy} replaces each maximal
 * invalid subsequence with one U+FFFD exactly as {@code String::from_utf8_lossy} does (the Unicode "substitution of
 * maximal subparts" practice); {@link #decodeStrict} gives null for anything that is not valid UTF-8.
 */
public final class Utf8 {
    private Utf8() {}

    public static String decodeLossy(byte[] bytes, int length) {
        return decode(bytes, length, false);
    }

    /** The text, or null when the bytes are not valid UTF-8 (like {@code String::from_utf8}). */
    public static String decodeStrict(byte[] bytes, int length) {
        return decode(bytes, length, true);
    }

    private static String decode(byte[] b, int n, boolean strict) {
        StringBuilder out = new StringBuilder(n);
        int i = 0;
        while (i < n) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int need;
            int lo = 0x80, hi = 0xBF;
            int cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) { need = 1; cp = b0 & 0x1F; }
            else if (b0 == 0xE0) { need = 2; lo = 0xA0; cp = b0 & 0x0F; }
            else if (b0 >= 0xE1 && b0 <= 0xEC || b0 == 0xEE || b0 == 0xEF) { need = 2; cp = b0 & 0x0F; }
            else if (b0 == 0xED) { need = 2; hi = 0x9F; cp = b0 & 0x0F; }
            else if (b0 == 0xF0) { need = 3; lo = 0x90; cp = b0 & 0x07; }
            else if (b0 >= 0xF1 && b0 <= 0xF3) { need = 3; cp = b0 & 0x07; }
            else if (b0 == 0xF4) { need = 3; hi = 0x8F; cp = b0 & 0x07; }
            else {
                if (strict) return null;
                out.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= n) { ok = false; break; }
                int bk = b[j] & 0xFF;
                int min = k == 0 ? lo : 0x80, max = k == 0 ? hi : 0xBF;
                if (bk < min || bk > max) { ok = false; break; }
                cp = (cp << 6) | (bk & 0x3F);
            }
            if (!ok) {
                if (strict) return null;
                out.append('\uFFFD');
                i = j; // the bytes up to the offending one form the maximal subpart
                continue;
            }
            out.appendCodePoint(cp);
            i = j;
        }
        return out.toString();
    }
}

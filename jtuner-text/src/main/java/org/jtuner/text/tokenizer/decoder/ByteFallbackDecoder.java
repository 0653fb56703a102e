package org.jtuner.text.tokenizer.decoder;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.text.tokenizer.util.Utf8;

/**
 * Turns runs of {@code <0xNN>} tokens back into text: a run that is valid UTF-8 becomes its text, otherwise each of
 * its tokens becomes one U+FFFD (the reference's rule, which differs from lossy decoding).
 */
public record ByteFallbackDecoder() implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        byte[] run = new byte[16];
        int n = 0;
        for (String token : tokens) {
            int b = byteValue(token);
            if (b >= 0) {
                if (n == run.length) run = java.util.Arrays.copyOf(run, n * 2);
                run[n++] = (byte) b;
                continue;
            }
            flush(run, n, out);
            n = 0;
            out.add(token);
        }
        flush(run, n, out);
        return out;
    }

    private static void flush(byte[] run, int n, List<String> out) {
        if (n == 0) return;
        String text = Utf8.decodeStrict(run, n);
        if (text != null) out.add(text);
        else for (int i = 0; i < n; i++) out.add("\uFFFD");
    }

    /** The byte of a {@code <0xNN>} token, or -1. */
    private static int byteValue(String token) {
        if (token.length() != 6 || !token.startsWith("<0x") || token.charAt(5) != '>') return -1;
        int lo = hexDigit(token.charAt(4));
        if (lo < 0) return -1;
        if (token.charAt(3) == '+') return lo; // Rust's from_str_radix accepts a sign
        int hi = hexDigit(token.charAt(3));
        return hi < 0 ? -1 : hi * 16 + lo;
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
}

package org.jtuner.text.tokenizer.decoder;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.jtuner.text.tokenizer.util.ByteLevelAlphabet;
import org.jtuner.text.tokenizer.util.Utf8;

/**
 * Maps byte-level characters back to bytes and decodes them as UTF-8, an invalid or cut sequence giving U+FFFD as
 * in the reference. A token with a character outside the byte alphabet (an added token such as "<|im_start|>" may
 * have one) contributes its own UTF-8 bytes.
 */
public record ByteLevelDecoder() implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        int total = 0;
        for (String t : tokens) total += t.length();
        byte[] bytes = new byte[Math.max(16, total * 3)];
        int n = 0;
        for (String t : tokens) {
            int start = n;
            boolean inAlphabet = true;
            for (int i = 0; i < t.length(); i++) {
                int b = ByteLevelAlphabet.byteOf(t.charAt(i));
                if (b < 0) { inAlphabet = false; break; }
                bytes[n++] = (byte) b;
            }
            if (!inAlphabet) {
                n = start;
                byte[] raw = t.getBytes(StandardCharsets.UTF_8);
                if (n + raw.length > bytes.length) bytes = java.util.Arrays.copyOf(bytes, (n + raw.length) * 2);
                System.arraycopy(raw, 0, bytes, n, raw.length);
                n += raw.length;
            }
        }
        return List.of(Utf8.decodeLossy(bytes, n));
    }
}

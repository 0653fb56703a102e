package org.jtuner.text.tokenizer.decoder;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns "▁" back into spaces; in the first string they are dropped instead when a prefix space was being added
 * (the reference drops every "▁" of the first string, not only the leading one).
 */
public record MetaspaceDecoder(int replacement, boolean dropInFirst) implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        List<String> out = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            StringBuilder sb = new StringBuilder(t.length());
            for (int j = 0; j < t.length(); ) {
                int cp = t.codePointAt(j);
                j += Character.charCount(cp);
                if (cp != replacement) sb.appendCodePoint(cp);
                else if (!(i == 0 && dropInFirst)) sb.append(' ');
            }
            out.add(sb.toString());
        }
        return out;
    }
}

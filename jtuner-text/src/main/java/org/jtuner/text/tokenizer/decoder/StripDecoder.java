package org.jtuner.text.tokenizer.decoder;

import java.util.List;

/** Removes up to {@code start} leading and {@code stop} trailing copies of one character from each string. */
public record StripDecoder(int content, int start, int stop) implements Decoder {
    @Override
    public List<String> decodeChain(List<String> tokens) {
        return tokens.stream().map(this::strip).toList();
    }

    private String strip(String token) {
        int[] cps = token.codePoints().toArray();
        int from = 0;
        while (from < start && from < cps.length && cps[from] == content) from++;
        int to = cps.length;
        for (int i = 0; i < stop && to > 0 && cps[to - 1] == content; i++) to--;
        // Where both ends overlap (a string of only the stripped character) the reference fails; we give "".
        return from >= to ? "" : new String(cps, from, to - from);
    }
}

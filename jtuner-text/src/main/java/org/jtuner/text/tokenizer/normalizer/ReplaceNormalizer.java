package org.jtuner.text.tokenizer.normalizer;

import org.jtuner.text.tokenizer.util.SplitPattern;

/** Replaces every match of a literal or regex with fixed content (Llama 2: " " to "▁"). */
public record ReplaceNormalizer(SplitPattern pattern, String content) implements Normalizer {
    @Override
    public String normalize(String text) {
        return replaceAll(pattern, content, text);
    }

    /** Shared with the Replace decoder: the content is inserted literally, never as a regex replacement. */
    public static String replaceAll(SplitPattern pattern, String content, String text) {
        if (pattern.matchesNothing() || text.isEmpty()) return text;
        var m = pattern.matcher(text);
        if (!m.find()) return text;
        StringBuilder out = new StringBuilder(text.length() + 16);
        int last = 0;
        do {
            out.append(text, last, m.start()).append(content);
            last = m.end();
        } while (m.find());
        return out.append(text, last, text.length()).toString();
    }
}

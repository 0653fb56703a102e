package org.jtuner.text.tokenizer.util;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code "pattern"} of Split, Replace and friends: {@code {"String": "..."}} (a literal) or
 * {@code {"Regex": "..."}}, the latter in Oniguruma's syntax, which {@link OnigRegex} carries over to java.util.regex.
 */
public final class SplitPattern {
    private final Pattern pattern;
    private final String source;
    private final boolean emptyLiteral;

    private SplitPattern(Pattern pattern, String source, boolean emptyLiteral) {
        this.pattern = pattern;
        this.source = source;
        this.emptyLiteral = emptyLiteral;
    }

    public static SplitPattern literal(String text) {
        return new SplitPattern(Pattern.compile(Pattern.quote(text)), text, text.isEmpty());
    }

    public static SplitPattern regex(String regex) {
        return new SplitPattern(OnigRegex.compile(regex), regex, false);
    }

    /** Reads {@code spec.key} as {@code {"String": s}} or {@code {"Regex": r}}. */
    public static SplitPattern fromJson(JsonSpec spec, String key) {
        JsonSpec p = spec.child(key);
        if (p == null || !p.node().isObject()) throw spec.error("'" + key + "' must be {\"String\": ...} or {\"Regex\": ...}");
        if (p.has("String")) return literal(p.string("String"));
        if (p.has("Regex")) {
            String regex = p.string("Regex");
            try {
                return regex(regex);
            } catch (PatternSyntaxException e) {
                throw p.error("regex " + regex + " does not compile in java.util.regex: " + e.getDescription());
            }
        }
        throw p.error("expected a \"String\" or \"Regex\" key");
    }

    public Matcher matcher(CharSequence text) {
        return pattern.matcher(text);
    }

    /** An empty literal matches nothing (as in the reference); everything else goes through the regex. */
    public boolean matchesNothing() {
        return emptyLiteral;
    }

    /** One piece of a text cut by a pattern: a match or the text between two matches. */
    public record Span(int start, int end, boolean match) {}

    /**
     * The text cut into matches and the gaps between them, covering it all, as the reference's
     * {@code Pattern::find_matches} does (an empty text gives one empty gap).
     */
    public java.util.List<Span> spans(String text) {
        java.util.List<Span> out = new java.util.ArrayList<>();
        if (text.isEmpty() || emptyLiteral) {
            out.add(new Span(0, text.length(), false));
            return out;
        }
        Matcher m = pattern.matcher(text);
        int prev = 0;
        while (m.find()) {
            if (prev != m.start()) out.add(new Span(prev, m.start(), false));
            out.add(new Span(m.start(), m.end(), true));
            prev = m.end();
        }
        if (prev != text.length()) out.add(new Span(prev, text.length(), false));
        return out;
    }

    @Override
    public String toString() {
        return source;
    }
}

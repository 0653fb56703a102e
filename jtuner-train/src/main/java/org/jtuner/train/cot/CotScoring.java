package org.jtuner.train.cot;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jtuner.text.cot.CotStages;

/**
 * How a staged answer is judged: the final answer is read from {@code <CONCLUSION>} (the whole text when there is
 * none); a multiple-choice reference (a single option letter, possibly decorated: "B", "**B**", "B. blue", "(B)")
 * is matched by letter, anything else by normalised exact match (lower case, punctuation and articles dropped,
 * whitespace collapsed, as VQA evaluations normalise).
 */
public final class CotScoring {
    private static final Pattern LETTER = Pattern.compile("^[\\s*\"'(\\[]*([A-H])(?![A-Za-z])");
    private static final Pattern ONLY_LETTER = Pattern.compile("^[\\s*\"'(\\[]*([A-H])[\\s*\"').\\]:]*$");

    private CotScoring() {}

    /** The final answer of a generation: its conclusion, or the whole text stripped. */
    public static String finalAnswer(String generation) {
        String c = CotStages.conclusionOf(generation);
        return c != null ? c : generation.strip();
    }

    /** True when all four stages are well formed. */
    public static boolean structureValid(String generation) {
        return CotStages.parse(generation.strip()).valid();
    }

    /** Whether the generation's final answer matches the reference answer (itself staged or plain). */
    public static boolean correct(String generation, String reference) {
        String want = finalAnswer(reference), got = finalAnswer(generation);
        Matcher letterOnly = ONLY_LETTER.matcher(want);
        Matcher wantLetter = LETTER.matcher(want);
        if (letterOnly.find() || wantLetter.find() && want.matches("^[\\s*\"'(\\[]*[A-H][.):].*")) {
            String letter = letterOnly.reset().find() ? letterOnly.group(1) : wantLetter.group(1);
            Matcher g = LETTER.matcher(got);
            return g.find() && g.group(1).equals(letter);
        }
        return normalise(got).equals(normalise(want));
    }

    static String normalise(String s) {
        String t = s.toLowerCase(Locale.ROOT).replaceAll("[\\p{Punct}&&[^$%]]", " ");
        t = t.replaceAll("\\b(a|an|the)\\b", " ");
        return t.replaceAll("\\s+", " ").strip();
    }
}

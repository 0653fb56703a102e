package org.jtuner.data.config;

import java.util.Collection;

/** "Did you mean" for misspelt keys and values: the candidate nearest by edit distance, if it is near enough. */
public final class Suggestions {
    private Suggestions() {}

    /**
     * The candidate with the smallest Levenshtein distance to {@code word} (case-insensitive, '-' read as '_'),
     * or null when even the nearest needs more than {@code max(2, word.length() / 3)} edits.
     */
    public static String nearest(String word, Collection<String> candidates) {
        String w = normalise(word);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(w, normalise(c));
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return bestDistance <= Math.max(2, w.length() / 3) ? best : null;
    }

    /** Levenshtein distance: insertions, deletions and substitutions each cost one. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String normalise(String s) {
        return s.toLowerCase(java.util.Locale.ROOT).replace('-', '_');
    }
}

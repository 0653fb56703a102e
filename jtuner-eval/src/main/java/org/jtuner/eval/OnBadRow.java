package org.jtuner.eval;

/** What a malformed benchmark row does: it is skipped (and reported) or it fails the evaluation. */
public enum OnBadRow {
    SKIP, FAIL;

    public static OnBadRow parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "skip" -> SKIP;
            case "fail" -> FAIL;
            default -> throw new IllegalArgumentException("on-bad-row must be skip or fail, got '" + s + "'");
        };
    }
}

package org.jtuner.data;

/** What to do with a bad sample (malformed row, unknown speaker, missing or unreadable image, image count mismatch). */
public enum OnBadSample {
    /** Count it, name it in the log (file, line, id, reason) and go on without it. */
    SKIP,
    /** Stop with the file, line, id and reason, before training starts. */
    FAIL
}

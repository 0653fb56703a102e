package org.jtuner.data;

/** One problem with one sample (or one place in a file, for malformed JSON), with the reason in words. */
public record Problem(ProblemKind kind, SourceRef source, String message) {
    @Override
    public String toString() {
        return source + ": " + kind.description() + ": " + message;
    }
}

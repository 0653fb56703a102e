package org.jtuner.data;

/** A bad sample under {@code on_bad_sample: fail}: the message gives the file, line, id and reason. */
public class BadSampleException extends RuntimeException {
    private final Problem problem;

    public BadSampleException(Problem problem) {
        super(problem + " (set data.on_bad_sample: skip to leave such samples out)");
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}

package org.jtuner.eval;

/** Told after each batch how many of the total questions are answered (a progress bar with an ETA listens). */
@FunctionalInterface
public interface Progress {
    Progress NONE = (done, total) -> {};

    void advanced(int done, int total);
}

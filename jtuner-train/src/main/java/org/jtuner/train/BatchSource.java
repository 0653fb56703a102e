package org.jtuner.train;

import org.jtuner.data.Batch;

/**
 * Where the trainer's micro-batches come from. Deterministic by iteration, so that a resumed run sees the same
 * batches as an uninterrupted one.
 */
public interface BatchSource extends AutoCloseable {
    /** Micro-batches in one epoch. */
    long batchesPerEpoch();

    /** The micro-batch of global iteration {@code iteration} (epoch = iteration / batchesPerEpoch). */
    Batch batch(long iteration);

    /** Samples skipped as bad so far (reported in the log). */
    default long skippedSamples() {
        return 0;
    }

    @Override
    default void close() {}
}

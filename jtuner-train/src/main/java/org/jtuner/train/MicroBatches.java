package org.jtuner.train;

import org.jtuner.tensor.Tensor;

/**
 * The trainer's view of a run's model and data: per iteration, the forward pass of its micro-batch and the loss.
 * Deterministic by iteration, so that a resumed run sees the same batches as an uninterrupted one. LLaVA's is
 * {@link LlavaMicroBatches}, Llama-3.2-Vision's {@link MllamaMicroBatches}.
 */
public interface MicroBatches extends AutoCloseable {
    /** A micro-batch's mean token loss (in the caller's scope) and its count of tokens that are not padding. */
    record Forward(Tensor loss, long tokens) {}

    /** Micro-batches in one epoch. */
    long batchesPerEpoch();

    /**
     * Runs the micro-batch of global iteration {@code iteration} forward, in the current scope; null when every sample
     * of it was skipped as bad (nothing to run, the iteration still counts).
     */
    Forward forward(long iteration);

    /** Samples skipped as bad so far (reported in the log). */
    default long skippedSamples() {
        return 0;
    }

    @Override
    default void close() {}
}

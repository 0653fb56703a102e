package org.jtuner.train;

import org.jtuner.tensor.Tensor;

/**
 * The trainer's view of a run's model and data: per iteration, the forward pass of its micro-batch and the loss.
 * Deterministic by iteration, so that a resumed run sees the same batches as an uninterrupted one. LLaVA's is
 * {@link LlavaMicroBatches}, Llama-3.2-Vision's {@link MllamaMicroBatches}.
 */
public interface MicroBatches extends AutoCloseable {
    /**
     * A micro-batch's mean token loss (in the caller's scope), its count of tokens that are not padding, and its count
     * of loss tokens (the labels the loss averages over; data parallel training all-reduces them).
     */
    record Forward(Tensor loss, long tokens, long lossTokens) {}

    /** The labels that count in the causal LM loss: those after the first position of each row, not -100. */
    static long lossTokens(int[] labels, int rows, int seqLen) {
        long n = 0;
        for (int r = 0; r < rows; r++) {
            for (int t = 1; t < seqLen; t++) {
                if (labels[r * seqLen + t] != -100) n++;
            }
        }
        return n;
    }

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

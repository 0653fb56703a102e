package org.jtuner.train;

import java.util.Map;

import org.jtuner.tensor.Tensor;

/**
 * The optimizer step of a run, data parallel or not: the gradients of every rank combined, scaled, clipped at their
 * global norm and applied to the weights. The trainer builds it in one place ({@link Trainer#optimizerFor}), where a
 * sharded optimizer (ZeRO-1) plugs into {@link DataParallelStep} instead of a whole AdamW. Every rank calls every method in the same
 * order (they may run collectives).
 */
public interface OptimizerStep extends AutoCloseable {
    /**
     * Sums the ranks' gradients, multiplies them by {@code gradScale}, clips them at {@code maxNorm} (0 or less: no
     * clipping) and updates the weights at learning rate {@code lr}. Returns the global gradient norm before clipping.
     */
    double step(double lr, double gradScale, double maxNorm);

    /** Drops the gradients of this rank. */
    void zeroGrad();

    /** Optimizer steps taken. */
    long stepCount();

    /** Steps taken by each trainable parameter, in the trainer's order (torch skips one without a gradient). */
    long[] parameterSteps();

    /** The whole optimizer state by name (moments), as a checkpoint holds it. */
    Map<String, Tensor> state();

    /** Restores what {@link #state}, {@link #stepCount} and {@link #parameterSteps} gave. */
    void loadState(Map<String, float[]> state, long stepCount, long[] parameterSteps);

    @Override
    void close();
}

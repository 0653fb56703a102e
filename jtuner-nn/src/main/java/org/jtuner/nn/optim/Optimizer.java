package org.jtuner.nn.optim;

import java.util.Map;

import org.jtuner.tensor.Tensor;

/**
 * What the trainer needs of an optimizer: a step with the schedule's learning rate, and a state that a checkpoint
 * holds. {@link AdamW} keeps the whole state in this process; {@link ZeroAdamW} shards it across ranks. Both write
 * the same state (the same names and shapes), so a checkpoint of one loads into the other at any world size.
 */
public interface Optimizer extends AutoCloseable {
    /** Applies one update with learning rate {@code lr} to every parameter that has a gradient. */
    void step(double lr);

    void zeroGrad();

    long stepCount();

    /** Steps taken by each parameter, in the order of the map given to the constructor (for checkpoints). */
    long[] parameterSteps();

    /**
     * The whole moment buffers by parameter name ({@code name.exp_avg}, {@code name.exp_avg_sq}), for checkpoints.
     * A sharded optimizer gathers them: then every rank must call this, and the tensors belong to the caller's scope.
     */
    Map<String, Tensor> state();

    /** Restores the moments and step counts written by {@link #state()} (whatever world size wrote them). */
    void loadState(Map<String, float[]> state, long stepCount, long[] parameterSteps);

    @Override
    void close();
}

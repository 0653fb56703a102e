package org.jtuner.tensor.autograd;

import org.jtuner.tensor.Tensor;

/**
 * The record an op leaves on its output: which inputs it read and how to turn the output's gradient into theirs.
 * The backward function is dropped after use so that a second backward through a freed graph is reported.
 */
public final class GradFn {
    /** Computes the gradients of the inputs (null where an input needs none) from the output's gradient. */
    @FunctionalInterface
    public interface Backward {
        Tensor[] apply(Tensor gradOutput, boolean[] needsGrad);
    }

    private final String op;
    private final Tensor[] inputs;
    private final boolean[] needsGrad;
    private Backward backward;

    GradFn(String op, Tensor[] inputs, boolean[] needsGrad, Backward backward) {
        this.op = op;
        this.inputs = inputs;
        this.needsGrad = needsGrad;
        this.backward = backward;
    }

    public String op() {
        return op;
    }

    Tensor[] inputs() {
        return inputs;
    }

    boolean[] needsGrad() {
        return needsGrad;
    }

    boolean isReleased() {
        return backward == null;
    }

    Tensor[] apply(Tensor gradOutput) {
        if (backward == null) {
            throw new IllegalStateException("backward through the graph of '" + op + "' a second time: the first "
                    + "backward() freed it; call backward(seed, true) the first time to keep the graph");
        }
        return backward.apply(gradOutput, needsGrad);
    }

    void release() {
        backward = null;
    }

    @Override
    public String toString() {
        return "GradFn(" + op + ")";
    }
}

package org.jtuner.nn;

import org.jtuner.tensor.Tensor;

/**
 * A named slot in a module holding a weight tensor. The slot, not the tensor, is what modules keep, so that
 * loading a checkpoint, casting to BF16 or merging an adapter can replace the tensor in place.
 */
public final class Parameter {
    private Tensor value;
    private boolean trainable;

    public Parameter(Tensor value, boolean trainable) {
        this.value = value;
        setTrainable(trainable);
    }

    public Tensor value() {
        return value;
    }

    /** Replaces the tensor (closing the old one), keeping this slot's trainable flag. */
    public void set(Tensor newValue) {
        if (newValue == value) return;
        Tensor old = value;
        value = newValue;
        setTrainable(trainable);
        if (old != null) old.close();
    }

    public boolean trainable() {
        return trainable;
    }

    /** Frozen parameters record no graph and get no gradient. */
    public void setTrainable(boolean trainable) {
        this.trainable = trainable;
        if (value != null && value.dtype().isFloating()) value.requiresGrad(trainable);
    }

    public int[] shape() {
        return value.shape();
    }
}

package org.jtuner.models;

import org.jtuner.nn.Module;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;

/** When a layer is worth checkpointing: switched on, training, and a gradient would flow through it. */
public final class ActivationCheckpointing {
    private ActivationCheckpointing() {}

    public static boolean applies(boolean enabled, Module layer, Tensor input) {
        return enabled && layer.isTraining() && Autograd.isEnabled()
                && (input.requiresGrad() || layer.parameterCount(true) > 0);
    }
}

package org.jtuner.models.clip;

import java.util.Random;

import org.jtuner.nn.Init;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * Where new parameter values come from: random draws (a fresh model) or bare allocations (a model whose weights a
 * checkpoint is about to replace, so that loading does not pay for drawing numbers it throws away).
 */
final class ParamInit {
    private final Random random;

    private ParamInit(Random random) {
        this.random = random;
    }

    static ParamInit random(Random random) {
        return new ParamInit(java.util.Objects.requireNonNull(random, "random"));
    }

    static ParamInit forLoading() {
        return new ParamInit(null);
    }

    Tensor normal(double std, int... shape) {
        return random == null ? blank(shape) : Init.normal(random, std, shape);
    }

    Tensor zeros(int... shape) {
        return random == null ? blank(shape) : Init.zeros(shape);
    }

    Tensor ones(int... shape) {
        return random == null ? blank(shape) : Init.ones(shape);
    }

    private static Tensor blank(int... shape) {
        return Scope.unscoped(() -> Tensor.empty(DType.F32, shape));
    }
}

package org.jtuner.nn;

import java.util.Random;

import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/** Weight initialisations as PyTorch's layers do them. New tensors are made outside any scope: they are parameters. */
public final class Init {
    private Init() {}

    /** torch.nn.Linear's default: kaiming_uniform(a=√5), i.e. U(-1/√fanIn, 1/√fanIn). */
    public static Tensor linearWeight(Random random, int out, int in) {
        double bound = 1 / Math.sqrt(in);
        return Scope.unscoped(() -> Tensor.uniform(random, -bound, bound, out, in));
    }

    public static Tensor linearBias(Random random, int out, int in) {
        double bound = 1 / Math.sqrt(in);
        return Scope.unscoped(() -> Tensor.uniform(random, -bound, bound, out));
    }

    public static Tensor normal(Random random, double std, int... shape) {
        return Scope.unscoped(() -> Tensor.randn(random, std, shape));
    }

    public static Tensor zeros(int... shape) {
        return Scope.unscoped(() -> Tensor.zeros(shape));
    }

    public static Tensor ones(int... shape) {
        return Scope.unscoped(() -> Tensor.ones(shape));
    }
}

package org.jtuner.models.mllama;

import java.util.Random;

import org.jtuner.nn.Init;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * Where new mllama parameter values come from: transformers' {@code MllamaPreTrainedModel._init_weights} draws
 * (normal with the text config's {@code initializer_range} for linear, conv and embedding weights, the class and
 * positional embeddings and the global layers' gates; zero biases; the tile-embedding gates stay 0), or bare
 * allocations for a model whose weights a checkpoint is about to replace.
 */
final class MllamaInit {
    private final Random random;
    private final double std;

    private MllamaInit(Random random, double std) {
        this.random = random;
        this.std = std;
    }

    static MllamaInit random(Random random, double std) {
        return new MllamaInit(java.util.Objects.requireNonNull(random, "random"), std);
    }

    static MllamaInit forLoading() {
        return new MllamaInit(null, 0);
    }

    Tensor normal(int... shape) {
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

package org.jtuner.nn;

import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/** torch.nn.LayerNorm over the last dimension, with weight and bias. */
public final class LayerNorm extends Module {
    private final Parameter weight;
    private final Parameter bias;
    private final double eps;

    public LayerNorm(Tensor weight, Tensor bias, double eps) {
        this.weight = registerParameter("weight", new Parameter(weight, true));
        this.bias = registerParameter("bias", new Parameter(bias, true));
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return F.layerNorm(x, weight.value(), bias.value(), eps);
    }
}

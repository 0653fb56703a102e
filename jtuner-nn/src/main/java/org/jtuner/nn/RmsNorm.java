package org.jtuner.nn;

import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/** x · rsqrt(mean(x²) + eps) · w over the last dimension (LlamaRMSNorm). */
public final class RmsNorm extends Module {
    private final Parameter weight;
    private final double eps;

    public RmsNorm(Tensor weight, double eps) {
        this.weight = registerParameter("weight", new Parameter(weight, true));
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return F.rmsNorm(x, weight.value(), eps);
    }
}

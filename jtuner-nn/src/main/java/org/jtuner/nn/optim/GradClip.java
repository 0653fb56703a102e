package org.jtuner.nn.optim;

import java.util.Collection;

import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Tensor;

/** torch.nn.utils.clip_grad_norm_: scales all gradients by min(1, maxNorm / (norm + 1e-6)). */
public final class GradClip {
    private GradClip() {}

    /** The global L2 norm of the gradients (before clipping). */
    public static double globalNorm(Collection<Parameter> params) {
        double total = 0;
        for (Parameter p : params) {
            Tensor g = p.value().grad();
            if (g != null) total += g.backend().sumOfSquares(g);
        }
        return Math.sqrt(total);
    }

    /** Clips in place and returns the norm before clipping. A maxNorm of 0 or less only measures. */
    public static double clip(Collection<Parameter> params, double maxNorm) {
        double norm = globalNorm(params);
        if (maxNorm <= 0) return norm;
        double coef = Math.min(1.0, maxNorm / (norm + 1e-6));
        float c = (float) coef;
        for (Parameter p : params) {
            Tensor g = p.value().grad();
            if (g != null) g.backend().affine(g, c, 0, g);
        }
        return norm;
    }
}

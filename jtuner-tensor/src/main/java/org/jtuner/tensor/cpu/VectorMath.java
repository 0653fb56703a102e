package org.jtuner.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, sigmoid and tanh on vectors from basic arithmetic only. The Vector API's own transcendental operators give
 * different last bits interpreted and compiled, so results would depend on JIT warm-up; additions,
 * multiplications, fma and divisions are exact IEEE operations in both, so these functions are reproducible.
 * exp is Cephes' expf (range reduction by ln 2, degree-6 polynomial): within 2 ulp.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = ElementwiseKernels.S;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float MAX_X = 88.3762626647949f, MIN_X = -87.3365478515625f;

    private VectorMath() {}

    static FloatVector exp(FloatVector x) {
        FloatVector v = x.max(MIN_X).min(MAX_X);
        FloatVector fx = v.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, 0.5f));
        // floor(fx): truncate, then step down where truncation rounded up (negative values)
        FloatVector t = fx.convert(VectorOperators.F2I, 0).convert(VectorOperators.I2F, 0).reinterpretAsFloats();
        t = t.sub(FloatVector.broadcast(S, 1f), t.compare(VectorOperators.GT, fx));
        FloatVector r = v.sub(t.mul(LN2_HI)).sub(t.mul(LN2_LO));
        FloatVector z = r.mul(r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector y = p.fma(z, r).add(1f);
        IntVector n = (IntVector) t.convert(VectorOperators.F2I, 0);
        FloatVector scale = n.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = y.mul(scale);
        // below the range exp underflows to 0 (the clamp would otherwise give a tiny normal number)
        return result.blend(0f, x.compare(VectorOperators.LT, MIN_X));
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(exp(x.neg()).add(1f));
    }

    /** tanh(x) = 1 - 2 / (exp(2x) + 1): exact at 0, and ±1 in the limits. */
    static FloatVector tanh(FloatVector x) {
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(x.mul(2f)).add(1f)));
    }
}

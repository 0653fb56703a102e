package org.jtuner.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
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
    private static final float SQRT_HALF = 0.707106781186547524f, INV_SQRT2 = 0.707106781186547524f;
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

    /**
     * The natural logarithm on positive normal numbers: Cephes' logf (x = m·2^e with m in [√½, √2), then a
     * degree-9 polynomial in m - 1), within 2 ulp. Lanes that are not positive normal numbers (0, negatives,
     * subnormals, infinities, NaN) are left to the caller: see {@link #logDomain}.
     */
    static FloatVector log(FloatVector x) {
        IntVector bits = x.reinterpretAsInts();
        IntVector e = bits.lanewise(VectorOperators.LSHR, 23).sub(126);
        FloatVector m = bits.and(0x007FFFFF).or(0x3F000000).reinterpretAsFloats(); // in [0.5, 1)
        var small = m.compare(VectorOperators.LT, SQRT_HALF);
        e = e.sub(1, small.cast(I));
        m = m.add(m, small).sub(1f);
        FloatVector fe = (FloatVector) e.convert(VectorOperators.I2F, 0);
        FloatVector z = m.mul(m);
        FloatVector y = FloatVector.broadcast(S, 7.0376836292e-2f);
        y = y.fma(m, FloatVector.broadcast(S, -1.1514610310e-1f));
        y = y.fma(m, FloatVector.broadcast(S, 1.1676998740e-1f));
        y = y.fma(m, FloatVector.broadcast(S, -1.2420140846e-1f));
        y = y.fma(m, FloatVector.broadcast(S, 1.4249322787e-1f));
        y = y.fma(m, FloatVector.broadcast(S, -1.6668057665e-1f));
        y = y.fma(m, FloatVector.broadcast(S, 2.0000714765e-1f));
        y = y.fma(m, FloatVector.broadcast(S, -2.4999993993e-1f));
        y = y.fma(m, FloatVector.broadcast(S, 3.3333331174e-1f));
        y = y.mul(m).mul(z);
        y = fe.fma(FloatVector.broadcast(S, LN2_LO), y);
        y = z.fma(FloatVector.broadcast(S, -0.5f), y);
        return m.add(y).add(fe.mul(LN2_HI));
    }

    /** The lanes where {@link #log} is valid: positive normal finite numbers. */
    static VectorMask<Float> logDomain(FloatVector x) {
        return x.compare(VectorOperators.GE, Float.MIN_NORMAL).and(x.compare(VectorOperators.LT, Float.POSITIVE_INFINITY));
    }

    /**
     * The standard normal distribution function Φ(x) = ½·erfc(-x/√2), to a relative error of about 3e-7 (also deep
     * in the lower tail). erfc is Numerical Recipes' erfcc (a Chebyshev fit, relative error under 1.2e-7 for all
     * arguments ≥ 0). x² is split into its float value and rounding error (fma) so that exp(-x²/2) keeps full
     * relative accuracy for large |x|.
     */
    static FloatVector normalCdf(FloatVector x) {
        FloatVector c = x.max(-20f).min(20f); // beyond ±20 Φ is 0 or 1 and φ is 0 in float
        FloatVector xx = c.mul(c);
        FloatVector xl = c.fma(c, xx.neg()); // c² = xx + xl exactly
        return normalCdf(c, exp(xx.mul(-0.5f)), xl);
    }

    /** d/dx [x·Φ(x)] = Φ(x) + x·φ(x), φ(x) = exp(-x²/2)/√(2π), accurate as {@link #normalCdf(FloatVector)}. */
    static FloatVector geluDerivative(FloatVector x) {
        FloatVector c = x.max(-20f).min(20f);
        FloatVector xx = c.mul(c);
        FloatVector xl = c.fma(c, xx.neg());
        FloatVector gauss = exp(xx.mul(-0.5f)); // exp(-c²/2) = gauss·exp(-xl/2) ≈ gauss·(1 - xl/2), |xl| tiny
        FloatVector density = gauss.mul(xl.fma(FloatVector.broadcast(S, -0.5f), FloatVector.broadcast(S, 1f)))
                .mul((float) (1 / Math.sqrt(2 * Math.PI)));
        return c.fma(density, normalCdf(c, gauss, xl));
    }

    /** Φ(c) given gauss = exp(-xx/2) and xl, where c² = xx + xl. */
    private static FloatVector normalCdf(FloatVector c, FloatVector gauss, FloatVector xl) {
        FloatVector t = FloatVector.broadcast(S, 1f).div(c.abs().mul(0.5f * INV_SQRT2).add(1f));
        FloatVector p = FloatVector.broadcast(S, 0.17087277f);
        p = p.fma(t, FloatVector.broadcast(S, -0.82215223f));
        p = p.fma(t, FloatVector.broadcast(S, 1.48851587f));
        p = p.fma(t, FloatVector.broadcast(S, -1.13520398f));
        p = p.fma(t, FloatVector.broadcast(S, 0.27886807f));
        p = p.fma(t, FloatVector.broadcast(S, -0.18628806f));
        p = p.fma(t, FloatVector.broadcast(S, 0.09678418f));
        p = p.fma(t, FloatVector.broadcast(S, 0.37409196f));
        p = p.fma(t, FloatVector.broadcast(S, 1.00002368f));
        p = p.fma(t, FloatVector.broadcast(S, -1.26551223f));
        // erfc(|c|/√2) = t·exp(-c²/2 + p) = t·gauss·exp(p - xl/2)
        FloatVector half = t.mul(gauss).mul(exp(xl.fma(FloatVector.broadcast(S, -0.5f), p))).mul(0.5f);
        return FloatVector.broadcast(S, 1f).sub(half).blend(half, c.compare(VectorOperators.LT, 0f));
    }

    static FloatVector sigmoid(FloatVector x) {
        return FloatVector.broadcast(S, 1f).div(exp(x.neg()).add(1f));
    }

    /** tanh(x) = 1 - 2 / (exp(2x) + 1): exact at 0, and ±1 in the limits. */
    static FloatVector tanh(FloatVector x) {
        return FloatVector.broadcast(S, 1f).sub(FloatVector.broadcast(S, 2f).div(exp(x.mul(2f)).add(1f)));
    }
}

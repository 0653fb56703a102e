package org.jtuner.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import org.jtuner.tensor.Backend.Unary;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vectorised activation kernels (forward and backward) over a wide range of x, large |x| included, against
 * closed forms evaluated in double here (erf by W. J. Cody's double-precision {@link Erf}, independent of the
 * kernel's F32 approximation), against central differences of the forward kernel, and for independence of how
 * the range is cut into chunks. Tolerance: 2e-6 relative + 1e-7 absolute.
 */
class UnaryKernelsTest {
    private static final double REL = 2e-6, ABS = 1e-7;

    /** Dense steps over [-12, 12], then magnitudes 1e-6 .. 1e6 (a few per decade) of both signs, and 0. */
    static float[] grid(Unary op) {
        List<Float> xs = new ArrayList<>();
        for (double x = -12; x <= 12; x += 0.00731) xs.add((float) x);
        for (double m = 1e-6; m <= 1e6; m *= 1.37) {
            xs.add((float) m);
            xs.add((float) -m);
        }
        xs.add(0f);
        boolean positiveOnly = op == Unary.LOG || op == Unary.SQRT || op == Unary.RSQRT;
        List<Float> kept = xs.stream().filter(x -> !positiveOnly || x > 0).toList();
        float[] out = new float[kept.size()];
        for (int i = 0; i < out.length; i++) out[i] = kept.get(i);
        return out;
    }

    static double value(Unary op, double x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case SQUARE -> x * x;
            case ABS -> Math.abs(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> Math.max(0, x);
            case SILU -> x / (1 + Math.exp(-x));
            case GELU -> x * cdf(x);
            case GELU_TANH -> x / (1 + Math.exp(-2 * Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
        };
    }

    /**
     * Φ(x) = ½·erfc(-x/√2) in double. erfc(u) is 1 - erf(u) (Cody) up to u = 2, where that keeps 14 digits, and
     * beyond, where 1 - erf would cancel, the continued fraction erfc(u) = exp(-u²)/√π · 1/(u + ½/(u + 1/(u + ...)))
     * (80 terms: relative error ~1e-14 from u = 2 on).
     */
    static double cdf(double x) {
        double u = -x / Math.sqrt(2);
        if (u <= 2) return 0.5 * (1 - Erf.erf(u));
        double f = u;
        for (int n = 80; n >= 1; n--) f = u + (n / 2.0) / f;
        return 0.5 * Math.exp(-u * u) / (Math.sqrt(Math.PI) * f);
    }

    static double derivative(Unary op, double x) {
        return switch (op) {
            case NEG -> -1;
            case EXP -> Math.exp(x);
            case LOG -> 1 / x;
            case SQRT -> 0.5 / Math.sqrt(x);
            case RSQRT -> -0.5 * Math.pow(x, -1.5);
            case SQUARE -> 2 * x;
            case ABS -> Math.signum(x);
            case TANH -> 1 / (Math.cosh(x) * Math.cosh(x));
            case SIGMOID -> sigmoidDerivative(x);
            case RELU -> x > 0 ? 1 : 0;
            case SILU -> siluDerivative(x, 1);
            case QUICK_GELU -> siluDerivative(x, 1.702);
            case GELU -> cdf(x) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case GELU_TANH -> {
                double c = Math.sqrt(2 / Math.PI), y = c * (x + 0.044715 * x * x * x);
                double sech = 1 / Math.cosh(y);
                yield 0.5 * (1 + Math.tanh(y)) + 0.5 * x * sech * sech * c * (1 + 3 * 0.044715 * x * x);
            }
        };
    }

    /** σ'(x) = 1 / (4 cosh²(x/2)): no cancellation for large |x|. */
    static double sigmoidDerivative(double x) {
        double c = Math.cosh(x / 2);
        return 1 / (4 * c * c);
    }

    /** d/dx x·σ(a·x) = σ(ax) + a·x·σ'(ax). */
    static double siluDerivative(double x, double a) {
        double z = a * x;
        double s = 1 / (1 + Math.exp(-z));
        return s + z * sigmoidDerivative(z);
    }

    private static MemorySegment segment(Arena arena, float[] v) {
        MemorySegment s = arena.allocate((long) v.length * 4, 64);
        for (int i = 0; i < v.length; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v[i]);
        return s;
    }

    private static float[] floats(MemorySegment s, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = s.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        return v;
    }

    private static float[] forward(Unary op, float[] x) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate((long) x.length * 4, 64);
            ElementwiseKernels.unary(op, segment(arena, x), out, x.length);
            return floats(out, x.length);
        }
    }

    private static float[] backward(Unary op, float[] x, float[] gy) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment gx = arena.allocate((long) x.length * 4, 64);
            ElementwiseKernels.unaryBackward(op, segment(arena, x), segment(arena, gy), gx, x.length);
            return floats(gx, x.length);
        }
    }

    private static void assertNear(String what, float x, double actual, double expected) {
        if (Double.isInfinite(expected) && actual == expected) return;
        assertThat(Math.abs(actual - expected)).as("%s at x = %s: %s vs %s", what, x, actual, expected)
                .isLessThanOrEqualTo(REL * Math.abs(expected) + ABS);
    }

    @ParameterizedTest
    @EnumSource(Unary.class)
    void forwardMatchesClosedFormInDouble(Unary op) {
        float[] x = grid(op);
        float[] y = forward(op, x);
        for (int i = 0; i < x.length; i++) {
            double e = value(op, x[i]);
            if (Math.abs(e) > 1e30) continue; // beyond float's range (exp, square of the largest x)
            assertNear(op + " forward", x[i], y[i], e);
        }
    }

    @ParameterizedTest
    @EnumSource(Unary.class)
    void backwardMatchesClosedFormInDouble(Unary op) {
        float[] x = grid(op);
        float[] gy = new float[x.length];
        java.util.Arrays.fill(gy, 1f);
        float[] gx = backward(op, x, gy);
        for (int i = 0; i < x.length; i++) {
            double e = derivative(op, x[i]);
            if (Math.abs(e) > 1e30) continue;
            assertNear(op + " derivative", x[i], gx[i], e);
        }
        // the incoming gradient multiplies: gy = -3 gives -3 times the derivative, up to one rounding
        java.util.Arrays.fill(gy, -3f);
        float[] scaled = backward(op, x, gy);
        for (int i = 0; i < x.length; i++) {
            assertThat(scaled[i]).as("%s gy scaling at %s", op, x[i]).isEqualTo(-3f * gx[i]);
        }
    }

    /** The backward kernel against central differences of the forward kernel, where both are smooth. */
    @ParameterizedTest
    @EnumSource(value = Unary.class, names = {"ABS", "RELU"}, mode = EnumSource.Mode.EXCLUDE)
    void backwardMatchesFiniteDifferencesOfForward(Unary op) {
        List<Float> points = new ArrayList<>();
        for (double x = -9.5; x <= 9.5; x += 0.377) points.add((float) x);
        boolean positiveOnly = op == Unary.LOG || op == Unary.SQRT || op == Unary.RSQRT;
        float[] x = new float[points.size()];
        int n = 0;
        for (float p : points) if (!positiveOnly || p > 0.3f) x[n++] = p;
        x = java.util.Arrays.copyOf(x, n);
        float[] plus = new float[n], minus = new float[n], ones = new float[n];
        for (int i = 0; i < n; i++) {
            float h = 1e-2f * Math.max(1f, Math.abs(x[i]));
            plus[i] = x[i] + h;
            minus[i] = x[i] - h;
            ones[i] = 1f;
        }
        float[] fp = forward(op, plus), fm = forward(op, minus), gx = backward(op, x, ones);
        for (int i = 0; i < n; i++) {
            double numeric = ((double) fp[i] - fm[i]) / ((double) plus[i] - minus[i]);
            assertThat(Math.abs(gx[i] - numeric)).as("%s at %s: analytic %s vs numeric %s", op, x[i], gx[i], numeric)
                    .isLessThanOrEqualTo(2e-3 * Math.max(1, Math.abs(numeric)));
        }
    }

    /** Each element gets the same bits whether it sits in a full vector or in the last, partial one. */
    @ParameterizedTest
    @EnumSource(Unary.class)
    void resultsDoNotDependOnWhereTheRangeIsCut(Unary op) {
        float[] x = grid(op);
        float[] y = forward(op, x);
        float[] ones = new float[x.length];
        java.util.Arrays.fill(ones, 0.75f);
        float[] g = backward(op, x, ones);
        for (int offset : new int[] {1, 3, 5, 7}) {
            for (int len : new int[] {1, 2, 5, 9, 13}) {
                float[] part = java.util.Arrays.copyOfRange(x, offset, offset + len);
                float[] py = forward(op, part), pg = backward(op, part, java.util.Arrays.copyOf(ones, len));
                for (int i = 0; i < len; i++) {
                    assertThat(py[i]).as("%s forward at %s", op, part[i]).isEqualTo(y[offset + i]);
                    assertThat(pg[i]).as("%s backward at %s", op, part[i]).isEqualTo(g[offset + i]);
                }
            }
        }
    }

    /**
     * Φ on vectors (Numerical Recipes' erfcc, fractional error < 1.2e-7, evaluated in F32 with the x² split) against
     * Φ in double: relative error over x in [-13, 8] (Φ down to 1e-38), and the absolute error of the erf it implies.
     */
    @org.junit.jupiter.api.Test
    void normalCdfIsAccurateToF32() {
        var species = ElementwiseKernels.S;
        float[] lanes = new float[species.length()], out = new float[species.length()];
        double worstRelative = 0, worstErf = 0, worstX = 0;
        for (double x0 = -13; x0 < 8; x0 += 1e-4 * species.length()) {
            for (int k = 0; k < lanes.length; k++) lanes[k] = (float) (x0 + 1e-4 * k);
            VectorMath.normalCdf(jdk.incubator.vector.FloatVector.fromArray(species, lanes, 0)).intoArray(out, 0);
            for (int k = 0; k < lanes.length; k++) {
                double e = cdf(lanes[k]);
                if (Math.abs(out[k] - e) / e > worstRelative) worstX = lanes[k];
                worstRelative = Math.max(worstRelative, Math.abs(out[k] - e) / e);
                worstErf = Math.max(worstErf, Math.abs(2.0 * out[k] - 2 * e));
            }
        }
        System.out.printf("normalCdf: max relative error %.3g (at x = %s), implied erf max absolute error %.3g%n", worstRelative, worstX, worstErf);
        assertThat(worstRelative).as("relative error of Φ").isLessThan(1e-6);
        assertThat(worstErf).as("absolute error of erf = 2Φ(x√2) - 1").isLessThan(5e-7);
    }
}

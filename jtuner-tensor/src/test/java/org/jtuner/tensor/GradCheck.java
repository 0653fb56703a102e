package org.jtuner.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.Function;

import org.jtuner.tensor.autograd.Autograd;

/**
 * Finite-difference gradient check. The scalar checked is L = Σ f(x)·R with a fixed random R, so every output
 * element matters. Analytic gradients from backward() are compared with central differences of L computed in
 * double from the F32 outputs; the step and tolerances suit F32 arithmetic.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Checks d L / d inputs[i] for every input that requires grad; at most {@code maxProbes} entries each. */
    public static void check(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
        check(what, f, 3e-3, 2e-2, 64, inputs);
    }

    public static void check(String what, Function<Tensor[], Tensor> f, double eps, double tolerance, int maxProbes,
                             Tensor... inputs) {
        try (Scope scope = Scope.open()) {
            Tensor out = f.apply(inputs);
            float[] weights = randomWeights(out.numel(), 17);
            Tensor r = Tensor.of(out.device(), weights, out.shape());
            Ops.sum(Ops.mul(out, r)).backward();
            Random pick = new Random(5);
            for (int i = 0; i < inputs.length; i++) {
                Tensor x = inputs[i];
                if (!x.requiresGrad()) continue;
                assertThat(x.grad()).as("%s: gradient of input %d was not computed", what, i).isNotNull();
                float[] analytic = x.grad().toFloatArray();
                float[] values = x.toFloatArray();
                int n = values.length;
                double maxRef = 1e-3;
                double[] numeric = new double[Math.min(n, maxProbes)];
                int[] probes = new int[numeric.length];
                for (int p = 0; p < probes.length; p++) probes[p] = n <= maxProbes ? p : pick.nextInt(n);
                for (int p = 0; p < probes.length; p++) {
                    int j = probes[p];
                    float orig = values[j];
                    double plus = lossAt(f, inputs, i, values, j, orig + eps, weights);
                    double minus = lossAt(f, inputs, i, values, j, orig - eps, weights);
                    values[j] = orig;
                    numeric[p] = (plus - minus) / (2 * eps);
                    maxRef = Math.max(maxRef, Math.abs(numeric[p]));
                }
                restore(x, values);
                for (int p = 0; p < probes.length; p++) {
                    double a = analytic[probes[p]], num = numeric[p];
                    assertThat(Math.abs(a - num))
                            .as("%s: d/d input %d [%d]: analytic %g vs numeric %g", what, i, probes[p], a, num)
                            .isLessThanOrEqualTo(tolerance * maxRef + tolerance * Math.abs(num));
                }
                x.zeroGrad();
            }
        }
    }

    private static double lossAt(Function<Tensor[], Tensor> f, Tensor[] inputs, int i, float[] values, int j, double v,
                                 float[] weights) {
        values[j] = (float) v;
        restore(inputs[i], values);
        try (Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            float[] out = f.apply(inputs).toFloatArray();
            double l = 0;
            for (int k = 0; k < out.length; k++) l += (double) out[k] * weights[k];
            return l;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void restore(Tensor x, float[] values) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            x.backend().copyFromHost(arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, values), x);
        }
    }

    public static float[] randomWeights(long n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[(int) n];
        for (int i = 0; i < w.length; i++) w[i] = (float) r.nextGaussian();
        return w;
    }
}

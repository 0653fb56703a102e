package org.jtuner.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.Map;

import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
import org.jtuner.nn.optim.LrSchedule;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.junit.jupiter.api.Test;

class OptimTest {

    @Test
    void adamwFollowsTheDecoupledWeightDecayUpdateInClosedForm() {
        float[] w0 = {0.5f, -1.0f, 2.0f};
        Parameter p = new Parameter(Tensor.of(w0.clone(), 3), true);
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        try (AdamW opt = new AdamW(Map.of("w", p), b1, b2, eps, wd)) {
            double[] w = {0.5, -1.0, 2.0}, m = new double[3], v = new double[3];
            for (int t = 1; t <= 3; t++) {
                try (Scope s = Scope.open()) {
                    Ops.sum(Ops.pow(p.value(), 3)).backward(); // g = 3w²
                }
                opt.step(lr);
                opt.zeroGrad();
                for (int i = 0; i < 3; i++) {
                    double g = 3 * w[i] * w[i];
                    w[i] *= 1 - lr * wd;
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = b2 * v[i] + (1 - b2) * g * g;
                    double mh = m[i] / (1 - Math.pow(b1, t)), vh = v[i] / (1 - Math.pow(b2, t));
                    w[i] -= lr * mh / (Math.sqrt(vh) + eps);
                }
            }
            float[] got = p.value().toFloatArray();
            for (int i = 0; i < 3; i++) assertThat((double) got[i]).isCloseTo(w[i], offset(1e-5));
        }
        p.value().close();
    }

    @Test
    void clippingScalesToTheMaxNormAndReportsTheNormBefore() {
        Parameter a = new Parameter(Tensor.of(new float[] {1, 2}, 2), true);
        Parameter b = new Parameter(Tensor.of(new float[] {2}, 1), true);
        try (Scope s = Scope.open()) {
            Ops.sum(Ops.mul(a.value(), Tensor.of(new float[] {3, 0}, 2))).backward(); // grad a = [3, 0]
            Ops.sum(Ops.mul(b.value(), Tensor.of(new float[] {4}, 1))).backward();    // grad b = [4]
        }
        double norm = GradClip.clip(List.of(a, b), 1.0);
        assertThat(norm).isCloseTo(5.0, offset(1e-6));
        assertThat(a.value().grad().toFloatArray()[0]).isCloseTo(3f / 5, offset(1e-6f));
        assertThat(b.value().grad().toFloatArray()[0]).isCloseTo(4f / 5, offset(1e-6f));
        assertThat(GradClip.clip(List.of(a, b), 10.0)).isCloseTo(1.0, offset(1e-5)); // under the limit: unchanged
        assertThat(GradClip.globalNorm(List.of(a, b))).isCloseTo(1.0, offset(1e-5));
        a.value().close();
        b.value().close();
    }

    @Test
    void warmupThenCosineAsMmengineComputesIt() {
        LrSchedule s = LrSchedule.warmupCosine(2e-4, 0, 0.03, 1000); // 30 warm-up iterations
        assertThat(s.warmupIters()).isEqualTo(30);
        assertThat(s.lr(0)).isCloseTo(2e-4 * 1e-5, offset(1e-15));
        assertThat(s.lr(15)).isCloseTo(2e-4 * (1e-5 + (1 - 1e-5) * 0.5), offset(1e-12));
        assertThat(s.lr(30)).isCloseTo(2e-4, offset(1e-15));
        assertThat(s.lr(30 + 485)).isCloseTo(1e-4, offset(1e-12)); // half-way down the cosine
        assertThat(s.lr(1000)).isCloseTo(0, offset(1e-15));
    }
}

package org.jtuner.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused attention softmax (scale, causal rule, key padding, softmax in one op) against the composition it
 * replaces: affine(scores, scale), plus an additive 0 / -1e30 mask tensor built here from the rules, then softmax.
 * Forward values and gradients are compared bit for bit (the fused kernel does the same float operations in the
 * same order on the visible keys), and the gradient also against finite differences.
 */
public class AttentionSoftmaxTest {
    private Scope scope;

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    /** The additive mask [B, 1, group·T, S] the old code built: 0 where visible, -1e30 where masked. */
    public static Tensor additiveMask(int batch, int group, int t, int s, boolean causal, int[] keep) {
        float[] m = new float[batch * group * t * s];
        for (int b = 0; b < batch; b++) {
            for (int row = 0; row < group * t; row++) {
                int i = row % t;
                for (int j = 0; j < s; j++) {
                    boolean visible = (!causal || j <= i + (s - t)) && (keep == null || keep[b * s + j] != 0);
                    m[(b * group * t + row) * s + j] = visible ? 0f : -1e30f;
                }
            }
        }
        return Tensor.of(Device.CPU, m, batch, 1, group * t, s);
    }

    static Tensor composition(Tensor scores, double scale, boolean causal, int[] keep, int group, int t) {
        int[] ss = scores.shape();
        Tensor scaled = Ops.affine(scores, scale, 0);
        if (causal || keep != null) scaled = Ops.add(scaled, additiveMask(ss[0], group, t, ss[3], causal, keep));
        return F.softmax(scaled);
    }

    /**
     * Padding per batch row: batch 0 pads its last key (right padding), batch 1 its first two (left padding: with
     * the causal rule, its first queries then see no key), batch 2 all keys. Without {@code rowsWithoutKeys}, only
     * the right padding of batch 0, so that every row sees a key (when T <= S).
     */
    static int[] keyMask(int batch, int s, boolean rowsWithoutKeys) {
        int[] keep = new int[batch * s];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < s; j++) {
                boolean padded = (b % 3 == 0 && j == s - 1 && s > 3)
                        || (rowsWithoutKeys && b % 3 == 1 && j < Math.min(2, s - 1)) || (rowsWithoutKeys && b % 3 == 2);
                keep[b * s + j] = padded ? 0 : 1;
            }
        }
        return keep;
    }

    private static Tensor leaf(Random random, double std, int... shape) {
        float[] v = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * std);
        return Tensor.of(Device.CPU, v, shape).requiresGrad(true);
    }

    @ParameterizedTest(name = "B={0} Hkv={1} group={2} T={3} S={4} causal={5} keyMask={6}")
    @CsvSource({
        "1, 1, 1, 1, 1, true, false",
        "2, 2, 1, 5, 5, true, false",
        "2, 1, 3, 7, 7, true, true",
        "3, 2, 2, 4, 19, true, true",   // T < S: a KV cache of 15 past positions
        "3, 1, 1, 1, 33, true, true",   // one new token against a long cache
        "3, 2, 2, 9, 9, false, true",
        "2, 2, 2, 6, 17, false, false",
        "1, 2, 1, 24, 24, true, false",
        "3, 1, 2, 16, 40, true, true",
        "1, 1, 1, 6, 4, true, false",   // T > S: the first rows see no key at all
    })
    void matchesAffineAddSoftmaxBitForBit(int batch, int kvHeads, int group, int t, int s, boolean causal, boolean masked) {
        Random random = new Random(batch * 1000 + t * 31 + s);
        double scale = 1 / Math.sqrt(8) * 3; // large enough that the softmax is far from uniform
        int[] keep = masked ? keyMask(batch, s, true) : null;
        Tensor keyMask = keep == null ? null : Tensor.ofInts(keep, batch, s);
        Tensor scores = leaf(random, 1.5, batch, kvHeads, group * t, s);
        Tensor reference = leaf(random, 1.0, scores.shape());
        try (Scope inner = Scope.open()) {
            Tensor old = composition(scores, scale, causal, keep, group, t);
            Ops.sum(Ops.mul(old, reference.detach())).backward();
        }
        float[] oldGrad = scores.grad().toFloatArray();
        scores.zeroGrad();
        float[] oldY;
        try (Scope inner = Scope.open()) {
            oldY = composition(scores, scale, causal, keep, group, t).toFloatArray();
        }
        Tensor fused = F.attentionSoftmax(scores, scale, causal, keyMask, t);
        assertThat(fused.toFloatArray()).as("forward").isEqualTo(oldY);
        Ops.sum(Ops.mul(fused, reference.detach())).backward();
        assertThat(scores.grad().toFloatArray()).as("gradient").isEqualTo(oldGrad);
        scores.zeroGrad();
        // Finite differences only where every row sees a key: a row that sees none is uniform whatever the scores
        // (numerically 0), while its analytic gradient is, as before, that of softmax(scores·scale - 1e30).
        if (t <= s) {
            Tensor someKeys = masked ? Tensor.ofInts(keyMask(batch, s, false), batch, s) : null;
            GradCheck.check("attentionSoftmax", x -> F.attentionSoftmax(x[0], scale, causal, someKeys, t), scores);
        }
    }

    @Test
    void maskedKeysGetZeroAndRowsWithoutVisibleKeysAreUniform() {
        int batch = 3, t = 3, s = 5;
        int[] keep = {1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0};
        Tensor scores = leaf(new Random(3), 2, batch, 1, t, s);
        float[] y = F.attentionSoftmax(scores, 0.7, true, Tensor.ofInts(keep, batch, s), t).toFloatArray();
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < t; i++) {
                double total = 0;
                for (int j = 0; j < s; j++) {
                    float p = y[(b * t + i) * s + j];
                    boolean visible = j <= i + (s - t) && keep[b * s + j] != 0;
                    if (b == 2) assertThat(p).as("fully padded batch: uniform").isEqualTo(1f / s);
                    else if (!visible) assertThat(p).as("masked [%d,%d,%d]", b, i, j).isEqualTo(0f);
                    else assertThat(p).isPositive();
                    total += p;
                }
                assertThat(total).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @Test
    void aKeyMaskOfTheWrongShapeIsRejected() {
        Tensor scores = leaf(new Random(1), 1, 2, 1, 3, 4);
        assertThatThrownBy(() -> F.attentionSoftmax(scores, 1, false, Tensor.ofInts(new int[6], 2, 3), 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key mask");
    }
}

package org.jtuner.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import java.util.Random;

import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The training loss from hidden states runs the LM head only at the positions that predict a label: hidden rows of
 * the other positions never reach it (here they hold NaN, which would poison the loss or the LM head's gradient if
 * they did), and the loss is the mean cross-entropy of the counted positions, computed here in double from the
 * LM head's weight.
 */
class CausalLmLossFromHiddenTest {
    @Test
    void ignoredPositionsNeverReachTheLmHead() throws Exception {
        try (LlamaForCausalLM model = LlamaForCausalLM.load(Fixtures.path("tiny-llama")); Scope s = Scope.open()) {
            int batch = 2, t = 6, d = 64, vocab = 384;
            int[] labels = {-100, -100, 5, 7, -100, 9,
                            -100, 3, -100, -100, -100, -100};
            // position p predicts label p + 1: row 0 at 1, 2 and 4; row 1 at 0
            boolean[] counts = new boolean[batch * t];
            for (int i : new int[] {1, 2, 4, 6}) counts[i] = true;
            Random random = new Random(3);
            float[] h = new float[batch * t * d];
            for (int i = 0; i < h.length; i++) h[i] = counts[i / d] ? (float) random.nextGaussian() : Float.NaN;
            Tensor hidden = Tensor.of(h, batch, t, d).requiresGrad(true);

            Tensor loss = model.causalLmLossFromHidden(hidden, Tensor.ofInts(labels, batch, t));
            float[] w = model.parameter("lm_head.weight").value().toFloatArray(); // [vocab, d]
            double want = 0;
            int n = 0;
            for (int p = 0; p < batch * t; p++) {
                if (!counts[p]) continue;
                double[] logits = new double[vocab];
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    for (int k = 0; k < d; k++) logits[v] += (double) h[p * d + k] * w[v * d + k];
                    max = Math.max(max, logits[v]);
                }
                double sum = 0;
                for (double l : logits) sum += Math.exp(l - max);
                want += max + Math.log(sum) - logits[labels[p + 1]];
                n++;
            }
            want /= n;
            assertThat((double) loss.item()).isCloseTo(want, offset(Math.abs(want) * 1e-5));

            loss.backward();
            for (float g : model.parameter("lm_head.weight").value().grad().toFloatArray()) assertThat(g).isFinite();
            float[] gh = hidden.grad().toFloatArray();
            for (int i = 0; i < gh.length; i++) {
                if (counts[i / d]) assertThat(gh[i]).isFinite();
                else assertThat(gh[i]).as("gradient at an ignored position").isZero();
            }
        }
    }
}

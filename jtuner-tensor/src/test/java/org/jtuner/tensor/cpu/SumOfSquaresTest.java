package org.jtuner.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;

import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The sum of squares that gradient clipping takes its norm from, against the exact sum (BigDecimal). */
class SumOfSquaresTest {
    @Test
    void matchesTheExactSumForEverySizeAndTail() {
        Random random = new Random(7);
        for (int n : new int[] {0, 1, 7, 15, 16, 17, 31, 33, 1000, 4099, 1 << 20}) {
            float[] x = new float[n];
            BigDecimal exact = BigDecimal.ZERO;
            for (int i = 0; i < n; i++) {
                // magnitudes over many orders, as gradients have
                x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 6));
                BigDecimal v = new BigDecimal(x[i]);
                exact = exact.add(v.multiply(v));
            }
            try (Scope s = Scope.open()) {
                double got = Tensor.of(x, n).backend().sumOfSquares(Tensor.of(x, n));
                double want = exact.round(MathContext.DECIMAL64).doubleValue();
                assertThat(got).as("n = %d", n).isCloseTo(want, org.assertj.core.data.Offset.offset(Math.abs(want) * 1e-13));
            }
        }
    }
}

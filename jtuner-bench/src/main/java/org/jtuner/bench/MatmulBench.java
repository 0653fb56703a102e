package org.jtuner.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * A square F32 matrix product through the engine's public op (Ops.matmul): the Java side of bench/engine.sh.
 * Prints {@code jtuner matmul N gflops <median>}.
 */
public final class MatmulBench {
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Random r = new Random(0);
        Tensor a = Tensor.randn(r, 1, n, n), b = Tensor.randn(r, 1, n, n);
        double[] gflops = new double[reps];
        for (int i = 0; i < 5 + reps; i++) {
            try (Scope s = Scope.open()) {
                long t0 = System.nanoTime();
                Ops.matmul(a, b);
                double sec = (System.nanoTime() - t0) / 1e9;
                if (i >= 5) gflops[i - 5] = 2.0 * n * n * n / sec / 1e9;
            }
        }
        Arrays.sort(gflops);
        System.out.printf(Locale.ROOT, "jtuner matmul %d gflops %.1f%n", n, gflops[reps / 2]);
    }
}

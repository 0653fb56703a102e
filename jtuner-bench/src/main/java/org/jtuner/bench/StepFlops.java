package org.jtuner.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What bounds a benchmark step: its floating-point work and one core's multiply-add peak, so that a step time can be
 * read as a fraction of what the core can do.
 *
 * <p>{@link #modelFlops} counts the step as the model defines it (transformers' computation, the one the PyTorch
 * side runs: logits at every position): 2 FLOPs per multiply-add of every matrix product, forward once and backward
 * twice (input and weight gradients), the patch embedding without an input gradient. For both sizes it equals the
 * multiply-adds jtuner's matrix products perform in a full-logits step, counted once by instrumenting Sgemm (small
 * 14,109,394,944, medium 140,631,404,544).
 */
final class StepFlops {
    private StepFlops() {}

    static double modelFlops(TrainStepBench.Size z) {
        long img = z.imageTokens(), seq = z.sequence(), tokens = z.batch() * seq;
        long hd = z.hidden() / z.heads(), kv = z.kvHeads() * hd, d = z.hidden();
        long layer = 2 * d * d + 2 * d * kv + 3 * d * z.mlp();                 // q, o; k, v; gate, up, down
        double linear = (double) tokens * (z.layers() * layer + d * z.vocab());
        double attention = (double) z.batch() * z.heads() * z.layers() * 2 * seq * seq * hd; // q·kᵀ and p·v
        long vt = img + 1, vd = z.vHidden(), vRun = z.vLayers() - 1;           // CLS + patches; layer -2 is the last run
        double vision = (double) z.batch() * vt * vRun * (4 * vd * vd + 2 * vd * z.vMlp())
                + (double) z.batch() * z.vHeads() * vRun * 2 * vt * vt * (vd / z.vHeads());
        double projector = (double) z.batch() * img * (vd * d + d * d);
        double patches = (double) z.batch() * img * 3L * z.patch() * z.patch() * vd;
        return 2 * (3 * (linear + attention + vision + projector) + 2 * patches);
    }

    /**
     * One core's F32 multiply-add peak in GFLOP/s, measured: twelve independent chains of vector FMAs (enough to
     * hide the FMA latency), the best of short runs once the JIT has compiled the loop.
     */
    static double fmaPeakGflops() {
        // Many short calls: the JIT compiles the method after enough calls (a loop that has not been compiled runs
        // ~25x slower, and is not replaced while it runs). A run is 200 calls of 10^4 iterations, ~10 ms compiled.
        int calls = 200, iterations = 10_000;
        float sink = 0;
        double best = 0;
        long started = System.nanoTime();
        // runs until the best has not improved by 1% for 20 runs in a row (or 30 s have passed)
        for (int stale = 0; stale < 20 && System.nanoTime() - started < 30e9; stale++) {
            long t0 = System.nanoTime();
            for (int c = 0; c < calls; c++) sink += chains(iterations);
            double gflops = (double) calls * iterations * 12.0 * S.length() * 2 / ((System.nanoTime() - t0) / 1e9) / 1e9;
            if (gflops > best * 1.01) stale = -1;
            best = Math.max(best, gflops);
        }
        if (sink == 42) System.out.print(""); // keeps the results alive
        return best;
    }

    /** A constant species: the JIT compiles vector code to vector instructions only for a species it knows. */
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private static float chains(long iterations) {
        FloatVector a = FloatVector.broadcast(S, 1.0000001f), b = FloatVector.broadcast(S, 0.9999999f);
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0,
                c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < iterations; i++) {
            c0 = a.fma(b, c0); c1 = a.fma(b, c1); c2 = a.fma(b, c2); c3 = a.fma(b, c3);
            c4 = a.fma(b, c4); c5 = a.fma(b, c5); c6 = a.fma(b, c6); c7 = a.fma(b, c7);
            c8 = a.fma(b, c8); c9 = a.fma(b, c9); c10 = a.fma(b, c10); c11 = a.fma(b, c11);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}

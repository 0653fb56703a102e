package org.jtuner.tensor.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Benchmarks {@link Sgemm#gemm} on the shapes given as arguments, each {@code MxNxK[:AB]} where A and B are
 * {@code N} (as stored) or {@code T} (transposed), e.g. {@code 1024x1024x1024:NN 1536x512x512:NT}.
 * Options: {@code --runs R} timed runs per shape (median and best reported), {@code --warmup-ms W},
 * {@code --no-check} (skip the spot check of the result against a scalar computation).
 * Prints one line per shape: {@code jtuner <shape> median_gflops=<x> best_gflops=<y> per_core_gflops=<z> threads=<t>}
 * (threads: {@code -Djtuner.threads}, default all processors). Run by bench/matmul.sh.
 */
public final class SgemmBench {
    public static void main(String[] args) {
        int runs = 15;
        boolean verify = true;
        long warmupMs = 1500;
        List<String> shapes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
                case "--no-check" -> verify = false;
                default -> shapes.add(args[i]);
            }
        }
        if (shapes.isEmpty()) shapes.add("1024x1024x1024:NN");
        for (String shape : shapes) bench(shape, runs, warmupMs, verify);
    }

    private static void bench(String shape, int runs, long warmupMs, boolean verify) {
        String[] parts = shape.split(":");
        String[] dims = parts[0].split("x");
        int m = Integer.parseInt(dims[0]), n = Integer.parseInt(dims[1]), k = Integer.parseInt(dims[2]);
        String tr = parts.length > 1 ? parts[1] : "NN";
        boolean ta = tr.charAt(0) == 'T', tb = tr.charAt(1) == 'T';
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = random(arena, (long) m * k, 1);
            MemorySegment b = random(arena, (long) k * n, 2);
            MemorySegment c = arena.allocate((long) m * n * 4, 64);
            // Sanity check against the scalar reference on a few rows (cheap enough for any shape here).
            Sgemm.gemm(1, m, n, k, a, 0, 0, ta, b, 0, 0, tb, c, 0, 0, false);
            if (verify) check(m, n, k, a, ta, b, tb, c);
            long start = System.nanoTime(), end = start + warmupMs * 1_000_000L, calls = 0;
            while (System.nanoTime() < end) {
                Sgemm.gemm(1, m, n, k, a, 0, 0, ta, b, 0, 0, tb, c, 0, 0, false);
                calls++;
            }
            // A timed run is one call, or as many as take about a millisecond for small shapes.
            long perRun = Math.max(1, (long) (1e6 * calls / (System.nanoTime() - start)));
            double[] secs = new double[runs];
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                for (long i = 0; i < perRun; i++) Sgemm.gemm(1, m, n, k, a, 0, 0, ta, b, 0, 0, tb, c, 0, 0, false);
                secs[r] = (System.nanoTime() - t0) / 1e9 / perRun;
            }
            double cpuSecs = (os.getProcessCpuTime() - cpu0) / 1e9;
            Arrays.sort(secs);
            double flops = 2.0 * m * n * k;
            // per_core_gflops: flops over the CPU time the process used (all threads), i.e. GFLOP/s per busy core;
            // unlike wall-clock it is not inflated by time the machine spent on other processes. The process CPU
            // clock is coarse (about 10 ms), so it is only printed when the timed runs used enough of it.
            String perCore = cpuSecs >= 0.1 ? String.format("%.1f", flops * runs * perRun / cpuSecs / 1e9) : "n/a";
            System.out.printf("jtuner %s median_gflops=%.1f best_gflops=%.1f per_core_gflops=%s threads=%d%n", shape,
                    flops / secs[runs / 2] / 1e9, flops / secs[0] / 1e9, perCore, Parallel.threads());
        }
    }

    private static MemorySegment random(Arena arena, long count, long seed) {
        MemorySegment s = arena.allocate(count * 4, 64);
        Random rnd = new Random(seed);
        for (long i = 0; i < count; i++) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
        return s;
    }

    private static void check(int m, int n, int k, MemorySegment a, boolean ta, MemorySegment b, boolean tb,
                              MemorySegment c) {
        Random rnd = new Random(3);
        double maxErr = 0;
        for (int t = 0; t < 64; t++) {
            int i = rnd.nextInt(m), j = rnd.nextInt(n);
            double sum = 0, abs = 0;
            for (int p = 0; p < k; p++) {
                double x = a.getAtIndex(ValueLayout.JAVA_FLOAT, ta ? (long) p * m + i : (long) i * k + p);
                double y = b.getAtIndex(ValueLayout.JAVA_FLOAT, tb ? (long) j * k + p : (long) p * n + j);
                sum += x * y;
                abs += Math.abs(x * y);
            }
            double got = c.getAtIndex(ValueLayout.JAVA_FLOAT, (long) i * n + j);
            maxErr = Math.max(maxErr, Math.abs(got - sum) / Math.max(abs, 1e-30));
        }
        if (maxErr > 1e-5) throw new AssertionError("Sgemm result wrong: relative error " + maxErr);
    }
}

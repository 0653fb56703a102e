package org.jtuner.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;

/**
 * The one place where CPU kernels go parallel. Work is split into contiguous chunks of a range, run on a
 * dedicated fork-join pool sized by {@code -Djtuner.threads} (default: the cores available to this process, or to
 * this rank of an MPI job: {@link RankCores}).
 * Small ranges run on the calling thread, so tiny tensors pay no scheduling cost.
 */
public final class Parallel {
    /** A body over the half-open range {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private static final int THREADS = Integer.getInteger("jtuner.threads", RankCores.available());
    private static final ForkJoinPool POOL = new ForkJoinPool(Math.max(1, THREADS));

    private Parallel() {}

    public static int threads() {
        return THREADS;
    }

    /** A body over one chunk: its index (stable for a given n and grain) and its range. */
    @FunctionalInterface
    public interface ChunkBody {
        void run(int chunk, int from, int to);
    }

    /** How many chunks {@link #forChunks} splits {@code n} items into. */
    public static int chunks(int n, int grain) {
        return Math.max(1, Math.min(THREADS, n / Math.max(1, grain)));
    }

    /**
     * Like {@link #forRange}, passing each chunk's index: kernels that reduce per chunk combine the partial results
     * in chunk order, so results do not depend on thread timing.
     */
    public static void forChunks(int n, int grain, ChunkBody body) {
        int c = chunks(n, grain);
        forRange(c, 1, (from, to) -> {
            for (int i = from; i < to; i++) body.run(i, (int) ((long) n * i / c), (int) ((long) n * (i + 1) / c));
        });
    }

    /**
     * Runs {@code body} over {@code [0, n)} in at most {@code threads()} chunks of at least {@code grain} items.
     * Calls from inside a running parallel section run sequentially (no nested parallelism).
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (n <= 0) return;
        int chunks = Math.min(THREADS, Math.max(1, n / Math.max(1, grain)));
        if (chunks <= 1 || Thread.currentThread() instanceof ForkJoinWorkerThread w && w.getPool() == POOL) {
            body.run(0, n);
            return;
        }
        final int c = chunks;
        POOL.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                RecursiveAction[] tasks = new RecursiveAction[c];
                for (int i = 0; i < c; i++) {
                    int from = (int) ((long) n * i / c), to = (int) ((long) n * (i + 1) / c);
                    tasks[i] = new RecursiveAction() {
                        @Override
                        protected void compute() {
                            body.run(from, to);
                        }
                    };
                }
                invokeAll(tasks);
            }
        });
    }
}

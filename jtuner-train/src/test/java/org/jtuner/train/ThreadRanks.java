package org.jtuner.train;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.jtuner.tensor.dist.ProcessGroup;

/**
 * A world of ranks as threads of this JVM, for trainer tests that need two ranks but no launcher: each collective
 * puts every rank's input on a table, waits for all, and reduces the table in rank order (so every rank gets the
 * same bits). A rank that does not arrive within 30 s fails the collective, so a deadlock shows as a failure.
 */
final class ThreadRanks {
    private final int size;
    private final CyclicBarrier barrier;
    private final Object[] table;

    private ThreadRanks(int size) {
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.table = new Object[size];
    }

    /** Runs {@code body} on {@code size} ranks at once and returns what each returned (or throws what one threw). */
    static <T> List<T> run(int size, Function<ProcessGroup, T> body) throws Exception {
        ThreadRanks world = new ThreadRanks(size);
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                Rank rank = world.new Rank(r);
                futures.add(pool.submit(() -> body.apply(rank)));
            }
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) out.add(f.get(120, TimeUnit.SECONDS));
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private void await() {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("a rank did not reach the collective: " + e, e);
        }
    }

    final class Rank implements ProcessGroup {
        private final int rank;

        Rank(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int size() {
            return size;
        }

        /** Every rank's contribution, in rank order. */
        private Object[] exchange(Object mine) {
            table[rank] = mine;
            await();
            Object[] all = table.clone();
            await();
            return all;
        }

        @Override
        public void allReduceSum(MemorySegment floats, long count) {
            Object[] all = exchange(floats.asSlice(0, count * 4).toArray(ValueLayout.JAVA_FLOAT));
            float[] sum = new float[(int) count];
            for (Object o : all) {
                float[] v = (float[]) o;
                for (int i = 0; i < sum.length; i++) sum[i] += v[i];
            }
            MemorySegment.copy(sum, 0, floats, ValueLayout.JAVA_FLOAT, 0, sum.length);
        }

        @Override
        public void allReduce(double[] values, Op op) {
            Object[] all = exchange(values.clone());
            for (int i = 0; i < values.length; i++) {
                double acc = ((double[]) all[0])[i];
                for (int r = 1; r < size; r++) {
                    double v = ((double[]) all[r])[i];
                    acc = switch (op) {
                        case SUM -> acc + v;
                        case MAX -> Math.max(acc, v);
                        case MIN -> Math.min(acc, v);
                    };
                }
                values[i] = acc;
            }
        }

        @Override
        public void reduceScatterSum(MemorySegment in, MemorySegment out, long countPerRank) {
            float[] sum = new float[(int) (countPerRank * size)];
            for (Object o : exchange(in.asSlice(0, sum.length * 4L).toArray(ValueLayout.JAVA_FLOAT))) {
                float[] v = (float[]) o;
                for (int i = 0; i < sum.length; i++) sum[i] += v[i];
            }
            MemorySegment.copy(sum, (int) (rank * countPerRank), out, ValueLayout.JAVA_FLOAT, 0, (int) countPerRank);
        }

        @Override
        public void allGather(MemorySegment in, MemorySegment out, long countPerRank) {
            Object[] all = exchange(in.asSlice(0, countPerRank * 4).toArray(ValueLayout.JAVA_FLOAT));
            for (int r = 0; r < size; r++) {
                MemorySegment.copy((float[]) all[r], 0, out, ValueLayout.JAVA_FLOAT, r * countPerRank * 4, (int) countPerRank);
            }
        }

        @Override
        public void broadcast(MemorySegment bytes, int root) {
            Object[] all = exchange(bytes.toArray(ValueLayout.JAVA_BYTE));
            MemorySegment.copy((byte[]) all[root], 0, bytes, ValueLayout.JAVA_BYTE, 0, (int) bytes.byteSize());
        }

        @Override
        public void barrier() {
            exchange(null);
        }

        @Override
        public void abort(int code) {
            throw new IllegalStateException("abort(" + code + ") on rank " + rank);
        }

        @Override
        public void close() {}
    }
}

package org.jtuner.tensor.dist;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Run by {@link MpiProcessGroupTest} under mpirun: every collective on values that depend on the rank, checked on
 * every rank against the closed form. Prints {@code rank R of N: collectives ok} or exits non-zero naming the check.
 */
public final class CollectivesMain {
    public static void main(String[] args) {
        try (ProcessGroup g = ProcessGroup.fromEnvironment(); Arena a = Arena.ofConfined()) {
            int r = g.rank(), n = g.size();
            long count = 1000;
            // all-reduce: value i on rank r is r + i / 8, the sum over ranks is n(n-1)/2 + n i / 8 (exact in F32)
            MemorySegment x = a.allocate(JAVA_FLOAT, count);
            for (int i = 0; i < count; i++) x.setAtIndex(JAVA_FLOAT, i, r + i / 8f);
            g.allReduceSum(x, count);
            for (int i = 0; i < count; i++) expect("allReduceSum[" + i + "]", x.getAtIndex(JAVA_FLOAT, i), n * (n - 1) / 2.0 + n * i / 8.0);
            double[] d = {r, r, r};
            g.allReduce(d, ProcessGroup.Op.SUM);
            expect("allReduce SUM", d[0], n * (n - 1) / 2.0);
            d = new double[] {r};
            g.allReduce(d, ProcessGroup.Op.MAX);
            expect("allReduce MAX", d[0], n - 1);
            d = new double[] {r};
            g.allReduce(d, ProcessGroup.Op.MIN);
            expect("allReduce MIN", d[0], 0);
            // reduce-scatter: block b of rank r holds (r + 1) * (b + 1); rank r receives sum_q (q + 1) * (r + 1)
            int per = 7;
            MemorySegment in = a.allocate(JAVA_FLOAT, (long) per * n), out = a.allocate(JAVA_FLOAT, per);
            for (int b = 0; b < n; b++) for (int k = 0; k < per; k++) in.setAtIndex(JAVA_FLOAT, b * per + k, (r + 1) * (b + 1) + k);
            g.reduceScatterSum(in, out, per);
            for (int k = 0; k < per; k++) expect("reduceScatterSum[" + k + "]", out.getAtIndex(JAVA_FLOAT, k), n * (n + 1) / 2.0 * (r + 1) + n * k);
            // all-gather: rank q sends q * 10 + k
            MemorySegment mine = a.allocate(JAVA_FLOAT, per), all = a.allocate(JAVA_FLOAT, (long) per * n);
            for (int k = 0; k < per; k++) mine.setAtIndex(JAVA_FLOAT, k, r * 10 + k);
            g.allGather(mine, all, per);
            for (int q = 0; q < n; q++) for (int k = 0; k < per; k++) expect("allGather[" + q + "," + k + "]", all.getAtIndex(JAVA_FLOAT, q * per + k), q * 10 + k);
            // broadcast from the last rank
            MemorySegment bytes = a.allocate(5);
            for (int k = 0; k < 5; k++) bytes.set(java.lang.foreign.ValueLayout.JAVA_BYTE, k, (byte) (r * 5 + k));
            g.broadcast(bytes, n - 1);
            for (int k = 0; k < 5; k++) expect("broadcast[" + k + "]", bytes.get(java.lang.foreign.ValueLayout.JAVA_BYTE, k), (n - 1) * 5 + k);
            g.barrier();
            System.out.println("rank " + r + " of " + n + ": collectives ok");
            if (args.length > 0 && args[0].equals("abort") && r == n - 1) {
                System.out.println("rank " + r + " aborting");
                g.abort(3);
            }
            g.barrier();
        }
    }

    private static void expect(String what, double got, double want) {
        if (got != want) throw new AssertionError(what + ": got " + got + ", want " + want);
    }
}

package org.jtuner.tensor.dist;

import java.util.ArrayList;
import java.util.List;

/**
 * Run by {@link RankFaultTest} under mpirun: every rank all-reduces a counter every 50 ms, as a training loop does
 * each step, inside {@link RankGuard}. Rank 1 fails at step 5 as {@code args[0]} says: {@code throw}, {@code oom}
 * (fills the heap), {@code hang} (sleeps outside any collective), or {@code none} (the test kills it instead).
 */
public final class FaultMain {
    public static void main(String[] args) {
        String mode = args[0];
        ProcessGroup g = ProcessGroup.fromEnvironment();
        RankGuard.run(g, () -> {
            System.out.println("rank " + g.rank() + " pid " + ProcessHandle.current().pid() + " ready");
            System.out.flush();
            for (int step = 0; step < 2400; step++) { // about two minutes: longer than any test waits
                double[] counter = {step};
                g.allReduce(counter, ProcessGroup.Op.SUM);
                if (counter[0] != step * g.size()) throw new AssertionError("all-reduce gave " + counter[0]);
                if (g.rank() == 1 && step == 5) fail(mode);
                sleep(50);
            }
        });
        g.close();
    }

    private static void fail(String mode) {
        switch (mode) {
            case "throw" -> throw new IllegalStateException("injected failure at step 5");
            case "oom" -> fillTheHeap();
            case "hang" -> sleep(600_000);
            default -> {}
        }
    }

    private static void fillTheHeap() {
        List<long[]> hoard = new ArrayList<>();
        while (true) hoard.add(new long[1 << 24]);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

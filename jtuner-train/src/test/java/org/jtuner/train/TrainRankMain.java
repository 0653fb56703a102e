package org.jtuner.train;

import java.nio.file.Path;
import java.util.List;

/** One rank of {@code jtuner train} under mpirun, for the data-parallel tests: {@code CONFIG WORK_DIR [resume]}. */
public final class TrainRankMain {
    private TrainRankMain() {}

    public static void main(String[] args) {
        var tree = TrainRun.resolve(args[0], List.of());
        TrainRun.Result r = TrainRun.runAsLaunched(tree, Path.of(args[1]), args.length > 2 ? args[2] : null, System.out);
        System.out.println("rank " + r.rank() + ": done, last loss " + r.lastLoss());
    }
}

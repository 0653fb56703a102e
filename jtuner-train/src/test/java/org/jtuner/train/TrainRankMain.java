package org.jtuner.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.tensor.dist.ProcessGroup;

/**
 * One rank of {@code jtuner train} under mpirun, for the data-parallel tests: runs {@code CONFIG WORK_DIR [RESUME]},
 * several of them separated by {@code --}, one after the other in one job (a JVM start fewer for each).
 */
public final class TrainRankMain {
    private TrainRankMain() {}

    public static void main(String[] args) {
        List<List<String>> runs = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String a : args) {
            if (a.equals("--")) {
                runs.add(current);
                current = new ArrayList<>();
            } else {
                current.add(a);
            }
        }
        runs.add(current);
        ProcessGroup group = ProcessGroup.fromEnvironment();
        // what a fault test needs to kill one rank (the launcher only knows mpirun's pid)
        System.out.println("rank " + group.rank() + " pid " + ProcessHandle.current().pid() + " started");
        for (List<String> run : runs) {
            var tree = TrainRun.resolve(run.get(0), List.of());
            TrainRun.Result r = TrainRun.run(tree, Path.of(run.get(1)), run.size() > 2 ? run.get(2) : null,
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()), group);
            System.out.println("rank " + r.rank() + ": " + Path.of(run.get(1)).getFileName() + " done, last loss " + r.lastLoss());
        }
        group.close();
        if (args.length == 0) throw new IllegalArgumentException("usage: CONFIG WORK_DIR [RESUME] [-- CONFIG WORK_DIR ...] " + Arrays.toString(args));
    }
}

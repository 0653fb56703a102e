package org.jtuner.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --nproc N}: runs this same command as N ranks on this machine, {@code mpirun -np N java ... jtuner ...}.
 * Each rank is bound to its own share of the processors ({@link #binding}): a rank that stays on its cores keeps
 * its caches (measured on the 2-core build machine, bench/ddp.sh's 2-rank step: 3.36 s bound against 3.58 s
 * unbound). {@code --oversubscribe} lets N exceed mpirun's slot count (its physical cores).
 */
final class LocalMpirun {
    private LocalMpirun() {}

    /** Whether this process is already a rank that mpirun started. */
    static boolean insideMpirun() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") != null;
    }

    /** Runs {@code jtunerArgs} (the command line after {@code jtuner}) as {@code ranks} ranks; returns mpirun's exit status. */
    static int run(int ranks, List<String> jtunerArgs) {
        List<String> cmd = command(mpirun(), ranks, jtunerArgs);
        try {
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            return p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start mpirun: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    static List<String> command(Path mpirun, int ranks, List<String> jtunerArgs) {
        List<String> cmd = new ArrayList<>(List.of(mpirun.toString(), "-np", Integer.toString(ranks), "--oversubscribe"));
        cmd.addAll(binding(ranks, Runtime.getRuntime().availableProcessors()));
        if ("root".equals(System.getProperty("user.name"))) cmd.add("--allow-run-as-root");
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(jtunerArgs);
        return cmd;
    }

    /**
     * mpirun's options that bind each of {@code ranks} ranks to {@code cpus / ranks} processors of its own (counted
     * as Java counts them: hardware threads), or that leave the ranks unbound when there are more ranks than
     * processors (then they share the machine; jtuner splits its cores among them, see RankCores).
     */
    static List<String> binding(int ranks, int cpus) {
        if (ranks > cpus) return List.of("--bind-to", "none");
        return List.of("--use-hwthread-cpus", "--map-by", "slot:PE=" + cpus / ranks, "--bind-to", "hwthread");
    }

    private static Path mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        throw new IllegalArgumentException("--nproc needs Open MPI's mpirun, which is not on the PATH: install it with "
                + "'apt-get install openmpi-bin libopenmpi-dev' (or run bin/setup-mpi)");
    }
}

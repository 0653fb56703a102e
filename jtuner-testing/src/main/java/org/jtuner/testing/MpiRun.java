package org.jtuner.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * Runs a Java main class of the test classpath as an MPI job: {@code mpirun -np N java ... Main args}, one thread
 * per rank (the CI machine has 2 cores). Where {@code mpirun} is missing the test is skipped with the command that
 * installs it, and under {@code CI=true} it fails ({@code bin/setup-mpi} installs it there).
 */
public final class MpiRun {
    /** What the job printed (stdout and stderr together), its exit code and how long it took. */
    public record Result(int exitCode, String output, double seconds) {}

    private MpiRun() {}

    /** The path of mpirun, or a skip (a failure under CI) when Open MPI is not installed. */
    public static Path mpirun() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "mpirun");
            if (Files.isExecutable(p)) return p;
        }
        String message = "mpirun not found: run bin/setup-mpi (apt-get install openmpi-bin libopenmpi-dev)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message);
        Assumptions.abort(message);
        return null;
    }

    /** The mpirun command line for {@code ranks} copies of {@code mainClass} on this JVM's classpath. */
    public static List<String> command(int ranks, Class<?> mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(mpirun().toString(), "--allow-run-as-root", "--oversubscribe",
                "--bind-to", "none", "-np", Integer.toString(ranks),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx1g", "-Djtuner.threads=1",
                "-cp", System.getProperty("java.class.path")));
        String fixtures = System.getProperty("jtuner.fixtures");
        if (fixtures != null) cmd.add(cmd.indexOf("-cp"), "-Djtuner.fixtures=" + fixtures);
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code ranks} copies of {@code mainClass} and waits at most {@code timeoutSeconds}. */
    public static Result run(int ranks, Class<?> mainClass, long timeoutSeconds, String... args) {
        return run(command(ranks, mainClass, args), timeoutSeconds);
    }

    public static Result run(List<String> command, long timeoutSeconds) {
        try {
            Path log = Files.createTempFile("mpirun", ".log");
            long started = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new AssertionError("mpirun did not finish within " + timeoutSeconds + " s:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return new Result(p.exitValue(), out, (System.nanoTime() - started) / 1e9);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}

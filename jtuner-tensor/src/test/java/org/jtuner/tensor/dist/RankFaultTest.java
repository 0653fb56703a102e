package org.jtuner.tensor.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jtuner.testing.MpiRun;
import org.junit.jupiter.api.Test;

/**
 * A failed rank stops the whole 2-rank job within 60 s, non-zero, with output that names the rank: a thrown
 * exception, an OutOfMemoryError, {@code kill -9}, and (through the collective watchdog) a rank that hangs.
 */
class RankFaultTest {
    private static final double LIMIT_S = 60;

    @Test
    void aThrowingRankAbortsTheJobNamingItself() {
        MpiRun.Result r = MpiRun.run(2, FaultMain.class, 120, "throw");
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.seconds()).as(r.output()).isLessThan(LIMIT_S);
        assertThat(r.output()).contains("jtuner: rank 1 of 2 failed: java.lang.IllegalStateException: injected failure at step 5");
        // (mpirun's own "MPI_ABORT was invoked on rank 1" report is not asserted: Open MPI 4.1.4 often fails to print
        // it, "ORTE_ERROR_LOG: Data unpack had inadequate space in show_help.c", so the rank names itself first)
    }

    @Test
    void aRankOutOfMemoryAbortsTheJobNamingItself() {
        List<String> cmd = new ArrayList<>(MpiRun.command(2, FaultMain.class, "oom"));
        cmd.add(cmd.indexOf("-Xmx1g") + 1, "-Xmx128m"); // the later -Xmx wins: a small heap fills fast
        MpiRun.Result r = MpiRun.run(cmd, 120);
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.seconds()).as(r.output()).isLessThan(LIMIT_S);
        assertThat(r.output()).contains("jtuner: rank 1 of 2 failed: java.lang.OutOfMemoryError");
    }

    @Test
    void aHungRankIsStoppedByTheWatchdogOfTheRankWaitingForIt() {
        List<String> cmd = new ArrayList<>(MpiRun.command(2, FaultMain.class, "hang"));
        cmd.addAll(1, List.of("-x", CollectiveWatchdog.TIMEOUT_ENV + "=3"));
        MpiRun.Result r = MpiRun.run(cmd, 120);
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.seconds()).as(r.output()).isLessThan(LIMIT_S);
        assertThat(r.output()).contains("jtuner: rank 0: MPI_Allreduce has waited");
    }

    @Test
    void killingARankWithSignal9EndsTheOtherWithinAMinuteNamingTheDeadRank() throws Exception {
        Path log = Files.createTempFile("mpirun-kill", ".log");
        Process job = new ProcessBuilder(MpiRun.command(2, FaultMain.class, "none")).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            long pid = pidOfRank1(log, job);
            long killedAt = System.nanoTime();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL: the rank cannot report anything itself
            boolean ended = job.waitFor(90, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(ended).as("the job still runs 90 s after rank 1 was killed:\n" + out).isTrue();
            assertThat(job.exitValue()).as(out).isNotZero();
            assertThat(seconds).as(out).isLessThan(LIMIT_S);
            // Open MPI: "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed)." (4.1.4
            // prints PID 0 for a killed rank, so the pid is not compared)
            assertThat(out).containsPattern("process rank 1 with PID \\d+ on node \\S+ exited on signal 9");
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    private static long pidOfRank1(Path log, Process job) throws IOException, InterruptedException {
        Pattern ready = Pattern.compile("rank 1 pid (\\d+) ready");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = ready.matcher(Files.readString(log, StandardCharsets.UTF_8));
            if (m.find()) return Long.parseLong(m.group(1));
            if (!job.isAlive()) break;
            Thread.sleep(100);
        }
        throw new AssertionError("rank 1 never said it was ready:\n" + Files.readString(log, StandardCharsets.UTF_8));
    }
}

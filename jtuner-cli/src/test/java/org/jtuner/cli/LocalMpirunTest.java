package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.jtuner.testing.MpiRun;
import org.junit.jupiter.api.Test;

/** {@code jtuner train --nproc N}: the mpirun command line that reruns this JVM's command as N ranks. */
class LocalMpirunTest {
    @Test
    void theRanksRunThisJvmWithItsOptionsAndTheCommandWithoutNproc() {
        List<String> cmd = LocalMpirun.command(Path.of("/usr/bin/mpirun"), 3, List.of("train", "cfg.yaml", "--set", "a=1"));
        assertThat(cmd.subList(0, 4)).containsExactly("/usr/bin/mpirun", "-np", "3", "--oversubscribe");
        List<String> binding = LocalMpirun.binding(3, Runtime.getRuntime().availableProcessors());
        assertThat(cmd.subList(4, 4 + binding.size())).isEqualTo(binding);
        assertThat(cmd).contains(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the JVM's own options (the vector module, native access) reach every rank
        assertThat(cmd).containsAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        int main = cmd.indexOf(Main.class.getName());
        assertThat(cmd.get(main - 1)).isEqualTo(System.getProperty("java.class.path"));
        assertThat(cmd.subList(main + 1, cmd.size())).containsExactly("train", "cfg.yaml", "--set", "a=1");
    }

    /**
     * Under a real mpirun, the binding gives every rank its own processors, as many as the machine has per rank
     * (read back from the kernel: Cpus_allowed_list of each rank); with more ranks than processors they are unbound.
     */
    @Test
    void eachRankIsBoundToItsOwnShareOfTheProcessors() throws Exception {
        int cpus = Runtime.getRuntime().availableProcessors();
        for (int ranks : new int[] {1, Math.min(2, cpus), cpus + 1}) {
            List<String> cmd = new java.util.ArrayList<>(List.of(MpiRun.mpirun().toString(), "--allow-run-as-root",
                    "--oversubscribe", "-np", Integer.toString(ranks)));
            cmd.addAll(LocalMpirun.binding(ranks, cpus));
            cmd.addAll(List.of("grep", "Cpus_allowed_list", "/proc/self/status"));
            MpiRun.Result r = MpiRun.run(cmd, 60);
            assertThat(r.exitCode()).as(r.output()).isZero();
            List<java.util.Set<Integer>> sets = r.output().lines().filter(l -> l.startsWith("Cpus_allowed_list"))
                    .map(l -> cpuSet(l.substring(l.indexOf(':') + 1))).toList();
            assertThat(sets).as(r.output()).hasSize(ranks);
            java.util.Set<Integer> union = new java.util.HashSet<>();
            for (java.util.Set<Integer> set : sets) {
                if (ranks <= cpus) {
                    assertThat(set).as("rank's processors, %d ranks on %d", ranks, cpus).hasSize(cpus / ranks);
                    assertThat(union).as("processors of two ranks").doesNotContainAnyElementsOf(set);
                } else {
                    assertThat(set).as("an unbound rank").hasSizeGreaterThanOrEqualTo(cpus);
                }
                union.addAll(set);
            }
        }
    }

    /** A Linux CPU list such as {@code 0-3,8}. */
    private static java.util.Set<Integer> cpuSet(String list) {
        java.util.Set<Integer> set = new java.util.TreeSet<>();
        for (String part : list.trim().split(",")) {
            int dash = part.indexOf('-');
            int from = Integer.parseInt((dash < 0 ? part : part.substring(0, dash)).trim());
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1).trim());
            for (int c = from; c <= to; c++) set.add(c);
        }
        return set;
    }
}

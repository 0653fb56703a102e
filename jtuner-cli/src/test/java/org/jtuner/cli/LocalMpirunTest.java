package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** {@code jtuner train --nproc N}: the mpirun command line that reruns this JVM's command as N ranks. */
class LocalMpirunTest {
    @Test
    void theRanksRunThisJvmWithItsOptionsAndTheCommandWithoutNproc() {
        List<String> cmd = LocalMpirun.command(Path.of("/usr/bin/mpirun"), 3, List.of("train", "cfg.yaml", "--set", "a=1"));
        assertThat(cmd.subList(0, 6)).containsExactly("/usr/bin/mpirun", "-np", "3", "--oversubscribe", "--bind-to", "none");
        assertThat(cmd).contains(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the JVM's own options (the vector module, native access) reach every rank
        assertThat(cmd).containsAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        int main = cmd.indexOf(Main.class.getName());
        assertThat(cmd.get(main - 1)).isEqualTo(System.getProperty("java.class.path"));
        assertThat(cmd.subList(main + 1, cmd.size())).containsExactly("train", "cfg.yaml", "--set", "a=1");
    }
}

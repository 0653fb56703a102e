package org.jtuner.tensor.dist;

import static org.assertj.core.api.Assertions.assertThat;

import org.jtuner.testing.MpiRun;
import org.junit.jupiter.api.Test;

/** Every collective of the MPI process group against closed forms, under a real mpirun with 2 ranks. */
class MpiProcessGroupTest {
    @Test
    void collectivesGiveTheClosedFormOnEveryRank() {
        MpiRun.Result r = MpiRun.run(2, CollectivesMain.class, 60);
        assertThat(r.exitCode()).as(r.output()).isZero();
        assertThat(r.output()).contains("rank 0 of 2: collectives ok", "rank 1 of 2: collectives ok");
    }

    @Test
    void theSingleProcessGroupIsTheWorldOfOne() {
        assertThat(ProcessGroup.launchedByMpirun()).isFalse();
        ProcessGroup g = ProcessGroup.fromEnvironment();
        assertThat(g.size()).isEqualTo(1);
        assertThat(g.rank()).isZero();
        double[] v = {1.5, -2};
        g.allReduce(v, ProcessGroup.Op.SUM);
        assertThat(v).containsExactly(1.5, -2);
    }
}

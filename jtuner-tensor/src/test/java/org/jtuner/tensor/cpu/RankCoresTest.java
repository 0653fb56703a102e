package org.jtuner.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How many compute threads a rank starts by default. */
class RankCoresTest {
    @Test
    void linuxCpuListsAreCounted() {
        assertThat(RankCores.countList("0-15\n")).isEqualTo(16);
        assertThat(RankCores.countList("0-3,8,10-11")).isEqualTo(7);
        assertThat(RankCores.countList("5")).isEqualTo(1);
    }

    @Test
    void unboundRanksSplitTheMachineAndBoundRanksKeepTheirCores() {
        // 16 cores, 2 ranks left unbound (--bind-to none): 8 threads each
        assertThat(RankCores.share(16, 16, 16, 2)).isEqualTo(8);
        // mpirun's default binding for 2 ranks (one core each): Java sees 1 processor, and that is it
        assertThat(RankCores.share(1, 1, 16, 2)).isEqualTo(1);
        // bound to a socket of 8 cores: all 8
        assertThat(RankCores.share(8, 8, 16, 2)).isEqualTo(8);
        // more ranks than cores: at least one thread
        assertThat(RankCores.share(2, 2, 2, 4)).isEqualTo(1);
        // one rank per machine, or binding unknown and one rank: everything
        assertThat(RankCores.share(16, 16, 16, 1)).isEqualTo(16);
        assertThat(RankCores.share(16, -1, -1, 1)).isEqualTo(16);
    }
}

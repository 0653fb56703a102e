package org.jtuner.nn.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.dist.ProcessGroup;
import org.jtuner.testing.MpiRun;
import org.junit.jupiter.api.Test;

/** ZeRO-1 AdamW against plain AdamW (the reference) on the same averaged gradients, in-process and under mpirun. */
class ZeroAdamWTest {
    private static final Pattern LINE = Pattern.compile("rank (\\d) of (\\d): plain_bytes=(\\d+) zero_bytes=(\\d+) "
            + "growth=(-?\\d+) trajectory_rel=(\\S+) state_rel=(\\S+) resume_rel=(\\S+) moved=(\\S+) steps=(\\d+)");

    @Test
    void twoRanksFollowPlainAdamWWithHalfTheOptimizerBytesEach() {
        MpiRun.Result r = MpiRun.run(2, ZeroMain.class, 120);
        assertThat(r.exitCode()).as(r.output()).isZero();
        long plainBytes = -1, zeroSum = 0;
        int ranks = 0;
        Matcher m = LINE.matcher(r.output());
        while (m.find()) {
            ranks++;
            System.out.println(m.group());
            assertThat(m.group(2)).isEqualTo("2");
            checkAgreement(m, r.output());
            long plain = Long.parseLong(m.group(3)), zero = Long.parseLong(m.group(4));
            plainBytes = plain;
            zeroSum += zero;
            // each rank holds half the moments: measured from the allocator's live bytes, not from shapes
            assertThat((double) zero / plain).as(m.group()).isBetween(0.48, 0.52);
        }
        assertThat(ranks).as(r.output()).isEqualTo(2);
        // together the ranks hold what one holds without ZeRO (the allocator rounds each buffer up to 4 KiB)
        assertThat((double) zeroSum / plainBytes).isBetween(0.95, 1.02);
    }

    @Test
    void aWorldOfOneIsPlainAdamW() {
        Matcher m = LINE.matcher(ZeroMain.run(ProcessGroup.single()));
        assertThat(m.find()).isTrue();
        checkAgreement(m, m.group());
        assertThat((double) Long.parseLong(m.group(4)) / Long.parseLong(m.group(3))).isBetween(0.95, 1.02);
    }

    private static void checkAgreement(Matcher m, String output) {
        assertThat(Double.parseDouble(m.group(9))).as("weights moved " + output).isGreaterThan(1e-3);
        assertThat(Double.parseDouble(m.group(6))).as("trajectory " + output).isLessThan(1e-6);
        assertThat(Double.parseDouble(m.group(7))).as("gathered state " + output).isLessThan(1e-6);
        assertThat(Double.parseDouble(m.group(8))).as("resumed from the gathered state " + output).isLessThan(1e-6);
        assertThat(Long.parseLong(m.group(5))).as("no state allocated after construction " + output).isLessThanOrEqualTo(0);
        assertThat(m.group(10)).isEqualTo("9");
    }

    @Test
    void aStateOfTheWrongSizeIsRefusedNamingTheParameter() {
        Map<String, Parameter> p = new LinkedHashMap<>();
        p.put("w", new Parameter(Scope.unscoped(() -> Tensor.zeros(3)), true));
        try (ZeroAdamW opt = new ZeroAdamW(ProcessGroup.single(), p, 0.9, 0.999, 1e-8, 0)) {
            assertThatThrownBy(() -> opt.loadState(Map.of("w.exp_avg", new float[2], "w.exp_avg_sq", new float[2]), 1,
                    new long[] {1})).hasMessageContaining("'w' has 2 values, the parameter has 3");
        }
        Map<String, Parameter> bf16 = Map.of("h", new Parameter(Scope.unscoped(() -> Tensor.zeros(2).to(DType.BF16)), true));
        assertThatThrownBy(() -> new ZeroAdamW(ProcessGroup.single(), bf16, 0.9, 0.999, 1e-8, 0))
                .hasMessageContaining("'h' is BF16");
    }
}

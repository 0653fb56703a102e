package org.jtuner.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import org.jtuner.nn.optim.LrSchedule;
import org.jtuner.nn.optim.LrSchedule.Kind;
import org.junit.jupiter.api.Test;

/**
 * Every schedule against its closed form at every step. The closed forms are written as transformers'
 * optimization.py writes its lambdas ({@code _get_linear_schedule_with_warmup_lr_lambda},
 * {@code _get_cosine_schedule_with_warmup_lr_lambda}, {@code _get_constant_schedule_with_warmup_lr_lambda}),
 * with mmengine's LinearLR start factor for the cosine warm-up that XTuner uses.
 */
class LrScheduleTest {
    static final double LR = 2e-5;

    /** transformers' linear lambda, shifted to end at etaMin (etaMin 0 is transformers itself). */
    static double linearClosedForm(long step, long warmup, long total, double etaMin) {
        if (step < warmup) return LR * ((double) step / Math.max(1, warmup));
        double lambda = Math.max(0.0, (double) (total - step) / Math.max(1, total - warmup));
        return etaMin + (LR - etaMin) * lambda;
    }

    static double cosineClosedForm(long step, long warmup, long total, double etaMin) {
        double f = 1e-5;
        if (step < warmup) return LR * (f + (1 - f) * step / warmup);
        double progress = Math.min(1.0, (double) (step - warmup) / Math.max(1, total - warmup));
        return etaMin + (LR - etaMin) * 0.5 * (1.0 + Math.cos(Math.PI * progress));
    }

    @Test
    void linearWithWarmupEqualsTransformersAtEveryStep() {
        for (long warmup : new long[] {0, 1, 7, 30}) {
            for (double etaMin : new double[] {0, 1e-6}) {
                LrSchedule s = LrSchedule.of(Kind.LINEAR, LR, etaMin, warmup, 100);
                for (long step = 0; step <= 100; step++) {
                    assertThat(s.lr(step)).as("warmup %d eta_min %s step %d", warmup, etaMin, step)
                            .isCloseTo(linearClosedForm(step, warmup, 100, etaMin), offset(1e-18));
                }
            }
        }
        LrSchedule s = LrSchedule.of(Kind.LINEAR, LR, 0, 10, 100);
        assertThat(s.lr(0)).isEqualTo(0.0);             // transformers starts the warm-up at 0
        assertThat(s.lr(10)).isEqualTo(LR);
        assertThat(s.lr(55)).isCloseTo(LR / 2, offset(1e-18));
        assertThat(s.lr(100)).isEqualTo(0.0);
    }

    @Test
    void cosineWithWarmupEqualsItsClosedFormAtEveryStep() {
        for (long warmup : new long[] {0, 3, 30}) {
            LrSchedule s = LrSchedule.of(Kind.COSINE, LR, 1e-7, warmup, 1000);
            for (long step = 0; step <= 1000; step++) {
                assertThat(s.lr(step)).as("warmup %d step %d", warmup, step)
                        .isCloseTo(cosineClosedForm(step, warmup, 1000, 1e-7), offset(1e-18));
            }
        }
    }

    @Test
    void constantWithWarmupRisesThenHolds() {
        LrSchedule s = LrSchedule.of(Kind.CONSTANT, LR, 0, 4, 20);
        for (long step = 0; step <= 20; step++) {
            double want = step < 4 ? LR * step / 4.0 : LR;
            assertThat(s.lr(step)).isCloseTo(want, offset(1e-18));
        }
    }

    @Test
    void warmupStepsOverrideTheRatioAndNamesAreChecked() {
        assertThat(LrSchedule.warmupIters(null, 0.03, 1000)).isEqualTo(30);
        assertThat(LrSchedule.warmupIters(5L, 0.03, 1000)).isEqualTo(5);
        assertThat(Kind.parse("Linear")).isEqualTo(Kind.LINEAR);
        assertThatThrownBy(() -> Kind.parse("step")).hasMessageContaining("cosine, linear or constant");
    }
}

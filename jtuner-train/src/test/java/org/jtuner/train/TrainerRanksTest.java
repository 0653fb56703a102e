package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.LongFunction;

import org.jtuner.data.Batch;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.tensor.dist.ProcessGroup;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's data-parallel rules with two ranks as threads ({@link ThreadRanks}) on tiny-llava: an empty batch on
 * one rank, a non-finite loss on one rank, a checkpoint in the middle of an accumulation window.
 */
class TrainerRanksTest {
    private static final String RUN = """
            model:
              llm_lora: {r: 4, alpha: 8, dropout: 0.0, target_modules: [q_proj, v_proj]}
            optim: {lr: 2.0e-3, warmup_ratio: 0, scheduler: constant, accumulative_counts: %d, max_iters: %d}
            train: {on_nan: %s, loss_reduction: %s, zero: %d}
            checkpoint: {save_steps: 1000}
            evaluation: {freq: 1000}
            """;

    private static RunConfig config(int accumulate, int iterations, String onNan, String reduction) {
        return config(accumulate, iterations, onNan, reduction, 0);
    }

    private static RunConfig config(int accumulate, int iterations, String onNan, String reduction, int zero) {
        return FixtureBatches.config(RUN.formatted(accumulate, iterations, onNan, reduction, zero));
    }

    private static LlavaForConditionalGeneration model(RunConfig config) {
        try {
            LlavaForConditionalGeneration m = LlavaForConditionalGeneration.load(Fixtures.path("tiny-llava"));
            ModelSetup.configureTraining(m, config.model(), new Random(7));
            return m;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Batch empty(int step) {
        return new Batch(0, step, new int[0], List.of(), 0, 0, new int[0], new int[0], new int[0], new int[0], new int[0], null);
    }

    /** A batch whose labels are all ignored: its mean token loss is NaN, as torch's is. */
    private static Batch nonFinite(FixtureBatches f, int step) {
        Batch t = f.textOnly(step);
        int[] labels = new int[t.labels().length];
        java.util.Arrays.fill(labels, -100);
        return new Batch(0, step, t.sampleIndices(), List.of(), t.rows(), t.seqLen(), t.inputIds(), labels, t.attentionMask(),
                t.positionIds(), t.lengths(), null);
    }

    private record Run(List<Trainer.StepReport> reports, Map<String, float[]> weights) {}

    private static Run train(RunConfig config, LongFunction<Batch> batches, Path work, ProcessGroup group, int steps) {
        try (LlavaForConditionalGeneration m = model(config);
             Trainer t = new Trainer(config, "", m, FixtureBatches.source(100, batches), work, group)) {
            List<Trainer.StepReport> reports = new ArrayList<>();
            for (int i = 0; i < steps; i++) reports.add(t.step());
            return new Run(reports, snapshot(t));
        }
    }

    private static Map<String, float[]> snapshot(Trainer t) {
        Map<String, float[]> out = new LinkedHashMap<>();
        t.trainableParameters().forEach((n, p) -> out.put(n, p.value().toFloatArray()));
        return out;
    }

    @Test
    void anEmptyBatchOnOneRankAddsNoGradientAndNoTokens(@TempDir Path work) throws Exception {
        FixtureBatches f = new FixtureBatches();
        // rank 1's batches 0 and 2 are empty (every sample skipped as bad)
        LongFunction<Batch> rank0 = i -> f.textOnly((int) i), rank1 = i -> i % 2 == 0 ? empty((int) i) : f.full((int) i);
        List<Run> ranks = ThreadRanks.run(2, g -> train(config(1, 3, "stop", "mean"), g.rank() == 0 ? rank0 : rank1,
                work.resolve("r" + g.rank()), g, 3));
        // one process with accumulation 2 over the same micro-batches: text, empty, text, full, text, empty
        Run one = train(config(2, 6, "stop", "mean"), i -> i % 2 == 0 ? f.textOnly((int) i) : i == 3 ? f.full((int) i) : empty((int) i),
                work.resolve("one"), ProcessGroup.single(), 6);
        for (int s = 0; s < 3; s++) {
            Trainer.StepReport a = ranks.get(0).reports().get(s), b = ranks.get(1).reports().get(s);
            Trainer.StepReport m0 = one.reports().get(2 * s), m1 = one.reports().get(2 * s + 1);
            double want = s == 1 ? (m0.loss() + m1.loss()) / 2 : m0.loss(); // an empty rank has no loss to average
            assertThat(a.loss()).as("step %d", s).isCloseTo(want, org.assertj.core.api.Assertions.withinPercentage(1e-4));
            assertThat(b.loss()).as("both ranks report the global loss").isEqualTo(a.loss());
            assertThat(a.tokens()).as("global tokens").isEqualTo(m0.tokens() + m1.tokens());
            assertThat(a.gradNorm()).isCloseTo(m1.gradNorm(), org.assertj.core.api.Assertions.withinPercentage(1e-4));
        }
        assertClose(ranks.get(0).weights(), one.weights(), 1e-6);
        assertClose(ranks.get(1).weights(), ranks.get(0).weights(), 0);
    }

    @Test
    void aNonFiniteLossOnOneRankStopsEveryRankOrIsSkippedByEvery(@TempDir Path work) throws Exception {
        FixtureBatches f = new FixtureBatches();
        LongFunction<Batch> rank0 = i -> f.textOnly((int) i), rank1 = i -> i == 1 ? nonFinite(f, (int) i) : f.full((int) i);
        List<String> stopped = ThreadRanks.run(2, g -> {
            try {
                train(config(1, 4, "stop", "mean"), g.rank() == 0 ? rank0 : rank1, work.resolve("stop" + g.rank()), g, 4);
                return "no stop";
            } catch (Trainer.NonFiniteLossException e) {
                return e.getMessage();
            }
        });
        for (String m : stopped) assertThat(m).contains("on rank 1").contains("iteration 2");

        List<Run> skipped = ThreadRanks.run(2, g -> train(config(1, 2, "skip", "mean"), g.rank() == 0 ? rank0 : rank1,
                work.resolve("skip" + g.rank()), g, 2));
        List<Run> firstOnly = ThreadRanks.run(2, g -> train(config(1, 2, "skip", "mean"), g.rank() == 0 ? rank0 : rank1,
                work.resolve("first" + g.rank()), g, 1));
        for (Run r : skipped) {
            assertThat(r.reports().get(1).optimizerStepped()).isFalse();
            // the skipped step changed nothing on either rank
            assertClose(r.weights(), firstOnly.get(0).weights(), 0);
        }
    }

    /** Mid-way through an accumulation window each rank holds part of the gradient; a resumed run still sums it all. */
    @Test
    void aCheckpointInTheMiddleOfAWindowResumesOnTwoRanks(@TempDir Path work) throws Exception {
        FixtureBatches f = new FixtureBatches();
        RunConfig config = config(2, 4, "stop", "tokens");
        LongFunction<Batch> rank0 = i -> i % 2 == 0 ? f.full((int) i) : f.textOnly((int) i), rank1 = i -> f.textOnly((int) i);
        List<Run> straight = ThreadRanks.run(2, g -> train(config, g.rank() == 0 ? rank0 : rank1, work.resolve("straight"), g, 4));
        List<Run> resumed = ThreadRanks.run(2, g -> {
            LongFunction<Batch> mine = g.rank() == 0 ? rank0 : rank1;
            Path saved;
            try (LlavaForConditionalGeneration m = model(config);
                 Trainer t = new Trainer(config, "", m, FixtureBatches.source(100, mine), work.resolve("split"), g)) {
                t.step();
                saved = t.saveCheckpoint();
            }
            g.barrier(); // rank 0 has written it
            try (LlavaForConditionalGeneration m = model(config);
                 Trainer t = new Trainer(config, "", m, FixtureBatches.source(100, mine), work.resolve("split"), g)) {
                t.resume(saved);
                List<Trainer.StepReport> reports = new ArrayList<>();
                for (int i = 0; i < 3; i++) reports.add(t.step());
                return new Run(reports, snapshot(t));
            }
        });
        // the window's gradient is summed in another order ((a + b) + c + d instead of (a + c) + (b + d)): the same
        // to rounding from the first update on
        assertThat(resumed.get(0).reports().get(0).loss()).isEqualTo(straight.get(0).reports().get(1).loss());
        for (int i = 1; i < 3; i++) {
            double want = straight.get(0).reports().get(i + 1).loss();
            assertThat(Math.abs(resumed.get(0).reports().get(i).loss() - want) / want).isLessThan(1e-6);
        }
        assertClose(resumed.get(0).weights(), straight.get(0).weights(), 1e-6);
        assertClose(resumed.get(1).weights(), resumed.get(0).weights(), 0);
    }

    /**
     * {@code train.zero: 1} through the trainer (ZeroAdamW chosen by {@link Trainer#optimizerFor}): the same losses,
     * grad norms and weights as the whole AdamW on every rank, a checkpoint whose (gathered) optimizer state is the
     * unsharded one's, and a ZeRO run resumed from it continues bit for bit. Rank 1 trains text only, so the projector
     * gets its gradient from rank 0 alone.
     */
    @Test
    void zeroStageOneThroughTheTrainerTrainsAsTheWholeAdamwAndResumesExactly(@TempDir Path work) throws Exception {
        FixtureBatches f = new FixtureBatches();
        LongFunction<Batch> rank0 = i -> i % 2 == 0 ? f.full((int) i) : f.textOnly((int) i), rank1 = i -> f.textOnly((int) i);
        Map<Integer, List<Run>> straight = new LinkedHashMap<>();
        for (int zero : new int[] {0, 1}) {
            RunConfig config = config(1, 4, "stop", "mean", zero);
            straight.put(zero, ThreadRanks.run(2, g -> {
                try (LlavaForConditionalGeneration m = model(config);
                     Trainer t = new Trainer(config, "", m, FixtureBatches.source(100, g.rank() == 0 ? rank0 : rank1),
                             work.resolve("zero" + zero), g)) {
                    assertThat(((DataParallelStep) t.optimizerStep()).optimizer())
                            .isInstanceOf(zero == 1 ? org.jtuner.nn.optim.ZeroAdamW.class : org.jtuner.nn.optim.AdamW.class);
                    List<Trainer.StepReport> reports = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        reports.add(t.step());
                        if (i == 1) t.saveCheckpoint();
                    }
                    return new Run(reports, snapshot(t));
                }
            }));
        }
        List<Run> whole = straight.get(0), sharded = straight.get(1);
        for (int s = 0; s < 4; s++) {
            Trainer.StepReport a = sharded.get(0).reports().get(s), b = whole.get(0).reports().get(s);
            assertThat(relative(a.loss(), b.loss())).as("loss of step %d", s + 1).isLessThan(1e-6);
            assertThat(relative(a.gradNorm(), b.gradNorm())).as("grad norm of step %d", s + 1).isLessThan(1e-6);
        }
        assertClose(sharded.get(0).weights(), whole.get(0).weights(), 1e-6);
        assertClose(sharded.get(1).weights(), sharded.get(0).weights(), 0);

        // the ZeRO checkpoint holds the whole optimizer state: the same tensors as the unsharded run's
        Path zeroCheckpoint = work.resolve("zero1/iter_2");
        Map<String, float[]> zeroState = tensors(zeroCheckpoint.resolve(Checkpoints.OPTIMIZER)),
                wholeState = tensors(work.resolve("zero0/iter_2").resolve(Checkpoints.OPTIMIZER));
        assertThat(zeroState.keySet()).anyMatch(n -> n.contains("projector")).anyMatch(n -> n.contains("lora"));
        assertClose(zeroState, wholeState, 1e-6);
        assertThat(Checkpoints.readState(zeroCheckpoint).get("parameter_steps"))
                .isEqualTo(Checkpoints.readState(work.resolve("zero0/iter_2")).get("parameter_steps"));

        RunConfig zero = config(1, 4, "stop", "mean", 1);
        List<Run> resumed = ThreadRanks.run(2, g -> {
            try (LlavaForConditionalGeneration m = model(zero);
                 Trainer t = new Trainer(zero, "", m, FixtureBatches.source(100, g.rank() == 0 ? rank0 : rank1),
                         work.resolve("zero1-resumed"), g)) {
                t.resume(zeroCheckpoint);
                List<Trainer.StepReport> reports = new ArrayList<>();
                for (int i = 0; i < 2; i++) reports.add(t.step());
                return new Run(reports, snapshot(t));
            }
        });
        for (int s = 0; s < 2; s++) {
            assertThat(resumed.get(0).reports().get(s).loss()).as("loss of step %d after resume", s + 3)
                    .isEqualTo(sharded.get(0).reports().get(s + 2).loss());
        }
        assertClose(resumed.get(0).weights(), sharded.get(0).weights(), 0);
        assertClose(resumed.get(1).weights(), sharded.get(1).weights(), 0);
    }

    private static double relative(double got, double want) {
        return Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
    }

    private static Map<String, float[]> tensors(Path file) throws java.io.IOException {
        Map<String, float[]> out = new java.util.TreeMap<>();
        try (org.jtuner.io.safetensors.SafetensorsFile s = org.jtuner.io.safetensors.SafetensorsFile.open(file)) {
            for (String n : s.names()) out.put(n, s.readFloats(n));
        }
        return out;
    }

    private static void assertClose(Map<String, float[]> got, Map<String, float[]> want, double tolerance) {
        assertThat(got.keySet()).containsExactlyElementsOf(want.keySet());
        got.forEach((n, v) -> {
            if (tolerance == 0) assertThat(v).as(n).containsExactly(want.get(n));
            else assertThat(TrainerTest.relErr(v, want.get(n))).as(n).isLessThan(tolerance);
        });
    }
}

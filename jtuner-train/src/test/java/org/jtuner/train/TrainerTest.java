package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.cpu.CpuBackend;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

    /** Six steps through the trainer reproduce torch's AdamW trajectory on tiny-llava (train_adamw_6_steps). */
    @Test
    void sixAdamWStepsThroughTheTrainerMatchTorch(@TempDir Path work) throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        FixtureBatches fixture = new FixtureBatches();
        RunConfig config = FixtureBatches.config("""
                model: {freeze_llm: false, freeze_visual_encoder: false}
                optim: {lr: 1.0e-3, weight_decay: 0.01, max_norm: 1.0, warmup_ratio: 0, eta_min: 1.0e-3, max_iters: 6}
                checkpoint: {save_steps: 1000}
                evaluation: {freq: 1000}
                """);
        try (SafetensorsFile steps = SafetensorsFile.open(dir.resolve("train_adamw_6_steps.safetensors"));
             LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(dir)) {
            ModelSetup.configureTraining(model, config.model(), new Random(0));
            assertThat(model.parameterCount(true)).isEqualTo(model.parameterCount(false));
            double[] losses = steps.readDoubles("losses"), norms = steps.readDoubles("grad_norms_before_clip");
            try (Trainer trainer = new Trainer(config, "", model, FixtureBatches.source(6, i -> fixture.full((int) i)), work)) {
                for (int i = 0; i < 6; i++) {
                    Trainer.StepReport r = trainer.step();
                    assertThat(r.lr()).isEqualTo(1e-3);
                    assertThat(Math.abs(r.loss() - losses[i]) / losses[i]).as("loss at step %d", i).isLessThan(1e-5);
                    assertThat(Math.abs(r.gradNorm() - norms[i]) / norms[i]).as("grad norm at step %d", i).isLessThan(1e-5);
                }
            }
            for (String name : steps.names()) {
                if (name.equals("losses") || name.equals("grad_norms_before_clip")) continue;
                float[] got = model.parameter(name).value().toFloatArray(), want = steps.readFloats(name);
                assertThat(relErr(got, want)).as(name).isLessThan(1e-5);
            }
        }
    }

    /** optim.scheduler: linear with warmup_steps reaches the trainer: each step's lr is transformers' linear lambda times lr. */
    @Test
    void theLinearScheduleFromTheConfigDrivesEachStep(@TempDir Path work) throws Exception {
        FixtureBatches fixture = new FixtureBatches();
        RunConfig config = FixtureBatches.config("""
                model: {llm_lora: {r: 2, target_modules: [q_proj]}}
                optim: {lr: 1.0e-3, scheduler: linear, warmup_ratio: 0.5, warmup_steps: 2, max_iters: 6}
                checkpoint: {save_steps: 1000}
                evaluation: {freq: 1000}
                """);
        assertThat(config.optim().scheduler()).isEqualTo("linear");
        try (LlavaForConditionalGeneration model = loraModel(config);
             Trainer t = new Trainer(config, "", model, FixtureBatches.source(2, i -> fixture.textOnly((int) i)), work)) {
            for (int step = 0; step < 6; step++) {
                double want = step < 2 ? 1e-3 * step / 2.0 : 1e-3 * (6 - step) / 4.0; // warm-up 2 (steps beat the ratio)
                assertThat(t.step().lr()).as("step %d", step).isCloseTo(want, org.assertj.core.api.Assertions.offset(1e-15));
            }
        }
        assertThatThrownBy(() -> FixtureBatches.config("optim: {scheduler: step}"))
                .hasMessageContaining("cosine, linear or constant");
    }

    static final String LORA_RUN = """
            model:
              llm_lora: {r: 4, alpha: 8, dropout: 0.1, target_modules: [q_proj, v_proj]}
            optim: {lr: 2.0e-3, warmup_ratio: 0.2, accumulative_counts: 2, max_iters: 10}
            checkpoint: {save_steps: 5, save_total_limit: 1}
            evaluation: {freq: 1000}
            """;

    /** 10 steps straight, and 5 + resume (a fresh model and trainer) + 5, give identical losses and weights. */
    @Test
    void aResumedRunContinuesTheSameRun(@TempDir Path work) throws Exception {
        FixtureBatches fixture = new FixtureBatches();
        RunConfig config = FixtureBatches.config(LORA_RUN);
        BatchSource batches = FixtureBatches.source(4, i -> i % 2 == 0 ? fixture.full((int) i) : fixture.textOnly((int) i));

        List<Double> straight = new ArrayList<>();
        Map<String, float[]> straightWeights;
        try (LlavaForConditionalGeneration model = loraModel(config);
             Trainer t = new Trainer(config, "", model, batches, work.resolve("straight"))) {
            for (int i = 0; i < 10; i++) straight.add(t.step().loss());
            straightWeights = snapshot(t.trainableParameters());
        }

        List<Double> resumed = new ArrayList<>();
        Path ckpt;
        try (LlavaForConditionalGeneration model = loraModel(config);
             Trainer t = new Trainer(config, "", model, batches, work.resolve("split"))) {
            for (int i = 0; i < 5; i++) resumed.add(t.step().loss());
            ckpt = t.saveCheckpoint();
        }
        try (LlavaForConditionalGeneration model = loraModel(config);
             Trainer t = new Trainer(config, "", model, batches, work.resolve("split"))) {
            t.resume(ckpt);
            assertThat(t.iteration()).isEqualTo(5);
            for (int i = 0; i < 5; i++) resumed.add(t.step().loss());
            assertThat(resumed).containsExactlyElementsOf(straight);
            Map<String, float[]> after = snapshot(t.trainableParameters());
            assertThat(after.keySet()).containsExactlyElementsOf(straightWeights.keySet());
            after.forEach((n, v) -> assertThat(v).as(n).containsExactly(straightWeights.get(n)));
        }
        assertThat(straight.get(9)).isLessThan(straight.get(1)); // and it learns
    }

    private static LlavaForConditionalGeneration loraModel(RunConfig config) throws Exception {
        LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(Fixtures.path("tiny-llava"));
        ModelSetup.configureTraining(model, config.model(), new Random(7));
        return model;
    }

    private static Map<String, float[]> snapshot(Map<String, Parameter> params) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        params.forEach((n, p) -> out.put(n, p.value().toFloatArray()));
        return out;
    }

    @Test
    void checkpointsAreCompleteAndPrunedToTheLimit(@TempDir Path work) throws Exception {
        FixtureBatches fixture = new FixtureBatches();
        RunConfig config = FixtureBatches.config(LORA_RUN.replace("save_steps: 5, save_total_limit: 1", "save_steps: 3, save_total_limit: 2"));
        try (LlavaForConditionalGeneration model = loraModel(config);
             Trainer t = new Trainer(config, "the: config", model, FixtureBatches.source(4, i -> fixture.textOnly((int) i)), work)) {
            t.run(i -> {}, TrainingProgress.silent());
            List<Path> kept = t.checkpoints().list();
            assertThat(kept).extracting(p -> p.getFileName().toString()).containsExactly("iter_9", "iter_10");
            Path last = kept.getLast();
            for (String f : List.of(Checkpoints.WEIGHTS, Checkpoints.OPTIMIZER, Checkpoints.STATE, Checkpoints.CONFIG)) {
                assertThat(last.resolve(f)).exists();
            }
            try (SafetensorsFile w = SafetensorsFile.open(last.resolve(Checkpoints.WEIGHTS))) {
                assertThat(w.names()).containsExactlyInAnyOrderElementsOf(t.trainableNames());
            }
            assertThat(Files.readAllLines(work.resolve("metrics.jsonl"))).isNotEmpty();
            assertThat(work.resolve("loss.png")).exists();
            try (var leftovers = Files.list(work)) {
                assertThat(leftovers.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".tmp"));
            }
        }
    }

    @Test
    void aNonFiniteLossStopsWithTheStepAndTheLastCheckpointOrIsSkipped(@TempDir Path work) throws Exception {
        FixtureBatches fixture = new FixtureBatches();
        // every label ignored: the mean over zero tokens is NaN, as in torch
        var allIgnored = fixture.textOnly(0);
        var nanBatch = new org.jtuner.data.Batch(0, 0, allIgnored.sampleIndices(), List.of(), 1, allIgnored.seqLen(),
                allIgnored.inputIds(), new int[allIgnored.seqLen()], allIgnored.attentionMask(), allIgnored.positionIds(),
                allIgnored.lengths(), null);
        java.util.Arrays.fill(nanBatch.labels(), -100);
        BatchSource source = FixtureBatches.source(4, i -> i == 2 ? nanBatch : fixture.textOnly((int) i));
        RunConfig stop = FixtureBatches.config(LORA_RUN.replace("accumulative_counts: 2", "accumulative_counts: 1"));
        try (LlavaForConditionalGeneration model = loraModel(stop); Trainer t = new Trainer(stop, "", model, source, work)) {
            t.step();
            Path saved = t.saveCheckpoint();
            t.step();
            assertThatThrownBy(t::step).isInstanceOf(Trainer.NonFiniteLossException.class)
                    .hasMessageContaining("iteration 3").hasMessageContaining(saved.toString());
        }
        RunConfig skip = FixtureBatches.config(LORA_RUN.replace("accumulative_counts: 2", "accumulative_counts: 1")
                + "train: {on_nan: skip}\n");
        try (LlavaForConditionalGeneration model = loraModel(skip); Trainer t = new Trainer(skip, "", model, source, work.resolve("b"))) {
            t.step();
            t.step();
            Map<String, float[]> before = snapshot(t.trainableParameters());
            Trainer.StepReport r = t.step();
            assertThat(r.loss()).isNaN();
            assertThat(r.optimizerStepped()).isFalse();
            snapshot(t.trainableParameters()).forEach((n, v) -> assertThat(v).as(n).containsExactly(before.get(n)));
            assertThat(Double.isFinite(t.step().loss())).isTrue();
        }
    }

    /** Per-layer activation checkpointing: the same gradients, and less memory held at the peak. */
    @Test
    void activationCheckpointingGivesIdenticalGradientsWithALowerPeak() throws Exception {
        FixtureBatches fixture = new FixtureBatches();
        long[] peak = new long[2];
        List<Map<String, float[]>> grads = new ArrayList<>();
        for (int mode = 0; mode < 2; mode++) {
            try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(Fixtures.path("tiny-llava"))) {
                model.setActivationCheckpointing(mode == 1);
                CpuBackend.INSTANCE.resetPeakBytes();
                long before = CpuBackend.INSTANCE.liveBytes();
                try (Scope s = Scope.open()) {
                    var t = fixture.full(0).toTensors();
                    Tensor logits = model.forward(t.inputIds(), t.attentionMask(), t.pixelValues());
                    LlavaForConditionalGeneration.loss(logits, t.labels()).backward();
                }
                peak[mode] = CpuBackend.INSTANCE.peakBytes() - before;
                Map<String, float[]> g = new java.util.LinkedHashMap<>();
                // the last vision layer and post_layernorm never run (feature layer -2): they get no gradient
                model.namedParameters().forEach((n, p) -> g.put(n, p.value().grad() == null ? null : p.value().grad().toFloatArray()));
                grads.add(g);
            }
        }
        assertThat(grads.get(0).values().stream().filter(java.util.Objects::nonNull).count()).isGreaterThan(20);
        grads.get(0).forEach((n, v) -> {
            if (v == null) assertThat(grads.get(1).get(n)).as(n).isNull();
            else assertThat(grads.get(1).get(n)).as(n).containsExactly(v);
        });
        assertThat(peak[1]).as("peak with checkpointing vs without (%d)", peak[0]).isLessThan(peak[0]);
    }

    static double relErr(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}

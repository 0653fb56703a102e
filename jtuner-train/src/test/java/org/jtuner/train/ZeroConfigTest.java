package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Random;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code train.zero} switch: validated, and with one process it is plain AdamW (torch's trajectory). */
class ZeroConfigTest {
    private static final String RUN = """
            model: {freeze_llm: false, freeze_visual_encoder: false}
            optim: {lr: 1.0e-3, weight_decay: 0.01, max_norm: 1.0, warmup_ratio: 0, eta_min: 1.0e-3, max_iters: 6}
            checkpoint: {save_steps: 1000}
            evaluation: {freq: 1000}
            train: {zero: 1}
            """;

    @Test
    void onlyStagesZeroAndOneAreAccepted() {
        assertThat(FixtureBatches.config("train: {zero: 1}\n").train().zero()).isEqualTo(1);
        assertThat(FixtureBatches.config("{}\n").train().zero()).isZero();
        assertThatThrownBy(() -> FixtureBatches.config("train: {zero: 2}\n"))
                .hasStackTraceContaining("train.zero must be 0 or 1").hasStackTraceContaining("got 2");
    }

    /** World size 1 under zero: 1 takes the plain AdamW path: six steps still match torch (train_adamw_6_steps). */
    @Test
    void zeroOneInOneProcessFollowsTorchsAdamW(@TempDir Path work) throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        FixtureBatches fixture = new FixtureBatches();
        RunConfig config = FixtureBatches.config(RUN);
        try (SafetensorsFile steps = SafetensorsFile.open(dir.resolve("train_adamw_6_steps.safetensors"));
             LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(dir)) {
            ModelSetup.configureTraining(model, config.model(), new Random(0));
            double[] losses = steps.readDoubles("losses");
            try (Trainer trainer = new Trainer(config, "", model, FixtureBatches.source(6, i -> fixture.full((int) i)), work)) {
                for (int i = 0; i < 6; i++) {
                    assertThat(Math.abs(trainer.step().loss() - losses[i]) / losses[i]).as("loss %d", i).isLessThan(1e-5);
                }
                trainer.saveCheckpoint(); // the gathered state's scope: written, then freed
            }
            for (String name : steps.names()) {
                if (name.equals("losses") || name.equals("grad_norms_before_clip")) continue;
                float[] got = model.parameter(name).value().toFloatArray(), want = steps.readFloats(name);
                assertThat(TrainerTest.relErr(got, want)).as(name).isLessThan(1e-5);
            }
        }
    }
}

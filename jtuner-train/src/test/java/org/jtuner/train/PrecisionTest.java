package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;

import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bf16: frozen weight matrices stored in BF16 (half the memory), trainable weights F32 master weights. */
class PrecisionTest {

    @Test
    void bf16StoresFrozenMatricesInHalfPrecisionAndTrainsF32MasterWeights(@TempDir Path work) throws Exception {
        FixtureBatches fixture = new FixtureBatches();
        RunConfig config = FixtureBatches.config(TrainerTest.LORA_RUN);
        double[] firstLoss = new double[2];
        long[] weightBytes = new long[2];
        for (int mode = 0; mode < 2; mode++) {
            try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(Fixtures.path("tiny-llava"))) {
                ModelSetup.configureTraining(model, config.model(), new Random(7));
                if (mode == 1) ModelSetup.storeFrozenInBf16(model);
                for (Parameter p : model.namedParameters().values()) {
                    weightBytes[mode] += p.value().byteSize();
                    if (mode == 1) {
                        DType expected = p.trainable() || p.value().rank() < 2 ? DType.F32 : DType.BF16;
                        assertThat(p.value().dtype()).isEqualTo(expected);
                    }
                }
                try (Trainer t = new Trainer(config, "", model,
                        FixtureBatches.source(4, i -> fixture.full((int) i)), work.resolve("m" + mode))) {
                    firstLoss[mode] = t.step().loss();
                    double later = 0;
                    for (int i = 0; i < 5; i++) later = t.step().loss();
                    assertThat(later).isLessThan(firstLoss[mode]);
                }
            }
        }
        // BF16 keeps 8 bits of mantissa: the loss moves by well under a percent, not by orders of magnitude
        assertThat(Math.abs(firstLoss[1] - firstLoss[0]) / firstLoss[0]).isLessThan(1e-2).isGreaterThan(0);
        assertThat(weightBytes[1]).isLessThan(weightBytes[0] * 6 / 10);
    }
}

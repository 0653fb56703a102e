package org.jtuner.models.llava;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * tiny-llava's six AdamW steps (all parameters trainable, lr 1e-3, weight decay 0.01, clip 1.0, the reference batch
 * every step) against torch: the loss and the gradient norm before clipping at every step, then the projector and
 * layer-0 q_proj weights.
 */
class LlavaTrainingStepsTest {

    @Test
    void sixAdamWStepsMatchTorch() throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             SafetensorsFile steps = SafetensorsFile.open(dir.resolve("train_adamw_6_steps.safetensors"));
             AdamW opt = new AdamW(model.namedParameters(), 0.9, 0.999, 1e-8, 0.01)) {
            double[] refLoss = steps.readDoubles("losses"), refNorm = steps.readDoubles("grad_norms_before_clip");
            List<Parameter> params = model.trainableParameters();
            for (int step = 0; step < 6; step++) {
                double loss, norm;
                try (Scope s = Scope.open()) {
                    Tensor logits = model.forward(ref.ints("input_ids"), ref.ints("attention_mask"), ref.tensor("pixel_values"));
                    Tensor l = LlavaForConditionalGeneration.loss(logits, ref.ints("labels"));
                    l.backward();
                    loss = l.item();
                    norm = GradClip.clip(params, 1.0);
                    opt.step(1e-3);
                    opt.zeroGrad();
                }
                System.out.printf("tiny-llava AdamW step %d: loss %.7f vs %.7f (rel %.2g), grad norm %.6f vs %.6f (rel %.2g)%n",
                        step, loss, refLoss[step], Math.abs(loss - refLoss[step]) / refLoss[step],
                        norm, refNorm[step], Math.abs(norm - refNorm[step]) / refNorm[step]);
                assertThat(Math.abs(loss - refLoss[step]) / refLoss[step]).as("loss at step %d", step).isLessThan(1e-5);
                assertThat(Math.abs(norm - refNorm[step]) / refNorm[step]).as("grad norm at step %d", step).isLessThan(1e-5);
            }
            for (String name : steps.names()) {
                if (name.equals("losses") || name.equals("grad_norms_before_clip")) continue;
                double err = ReferenceTensors.relErr(model.parameter(name).value().toFloatArray(), steps.readFloats(name));
                System.out.printf("tiny-llava after 6 steps %s rel err %.3g%n", name, err);
                assertThat(err).as(name).isLessThan(1e-5);
            }
        }
    }
}

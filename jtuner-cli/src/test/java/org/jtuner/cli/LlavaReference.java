package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/** Checks a LLaVA folder against tiny-llava's reference.safetensors: logits (valid positions), loss, gradients. */
final class LlavaReference {
    private LlavaReference() {}

    static Tensor ints(SafetensorsFile f, String name) {
        long[] v = f.readLongs(name);
        int[] i = new int[v.length];
        for (int k = 0; k < v.length; k++) i[k] = (int) v[k];
        return Tensor.ofInts(i, Arrays.stream(f.info(name).shape()).mapToInt(d -> (int) d).toArray());
    }

    static Tensor floats(SafetensorsFile f, String name) {
        return Tensor.of(f.readFloats(name), Arrays.stream(f.info(name).shape()).mapToInt(d -> (int) d).toArray());
    }

    static double relErr(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += b[i] * (double) b[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den); // an all-zero reference (a bias): absolute
    }

    /** Logits of the positions whose attention_mask is 1, flattened. */
    static float[] valid(float[] logits, long[] mask, int vocab) {
        float[] out = new float[(int) Arrays.stream(mask).filter(m -> m != 0).count() * vocab];
        int o = 0;
        for (int p = 0; p < mask.length; p++) {
            if (mask[p] == 0) continue;
            System.arraycopy(logits, p * vocab, out, o, vocab);
            o += vocab;
        }
        return out;
    }

    /** The model's loss on the reference batch; asserts logits, loss and every reference gradient within {@code tol}. */
    static float assertMatches(Path modelDir, Path reference, double tol) throws Exception {
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(modelDir);
             SafetensorsFile ref = SafetensorsFile.open(reference); Scope s = Scope.open()) {
            Tensor logits = model.forward(ints(ref, "input_ids"), ints(ref, "attention_mask"), floats(ref, "pixel_values"));
            int vocab = logits.shape()[2];
            long[] mask = ref.readLongs("attention_mask");
            assertThat(relErr(valid(logits.toFloatArray(), mask, vocab), valid(ref.readFloats("logits"), mask, vocab)))
                    .as("logits").isLessThan(tol);
            Tensor loss = LlavaForConditionalGeneration.loss(logits, ints(ref, "labels"));
            assertThat(relErr(new float[] {loss.item()}, ref.readFloats("loss"))).as("loss").isLessThan(tol);
            loss.backward();
            List<String> grads = ref.names().stream().filter(n -> n.startsWith("grad.")).toList();
            assertThat(grads).isNotEmpty();
            for (String g : grads) {
                Parameter p = model.parameter(g.substring(5));
                assertThat(p).as(g).isNotNull();
                assertThat(relErr(p.value().grad().toFloatArray(), ref.readFloats(g))).as(g).isLessThan(tol);
            }
            return loss.item();
        }
    }
}

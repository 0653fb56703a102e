package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.SafetensorsWriter;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jtuner forward` on tiny-mllama (inputs by transformers' names) writes what transformers 4.47.1 computed. */
class MllamaForwardCommandTest {

    /** The fixture's text_only run: no pixel_values, so the cross-attention layer is skipped. */
    @Test
    void textOnlyRunMatchesTheReference(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        long[] mask;
        try (SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            mask = ref.readLongs("text_only.attention_mask");
            SafetensorsWriter.write(in, List.of(
                    TensorEntry.ofLongs("input_ids", ref.info("text_only.input_ids").shape(), ref.readLongs("text_only.input_ids")),
                    TensorEntry.ofLongs("attention_mask", ref.info("text_only.attention_mask").shape(), mask)), Map.of());
        }
        int code = Main.commandLine().execute("forward", "--model", dir.toString(), "--inputs", in.toString(),
                "--output", out.toString());
        assertThat(code).isZero();
        try (SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
             SafetensorsFile got = SafetensorsFile.open(out)) {
            assertThat(validRelErr(got.readFloats("logits"), ref.readFloats("text_only.logits"), mask, 320)).isLessThan(1e-5);
        }
    }

    /**
     * The fixture's mixed batch with every image input by name (pixel_values, aspect_ratio_ids, aspect_ratio_mask,
     * cross_attention_mask beside input_ids, attention_mask, labels): logits, loss and every gradient the reference
     * stores, under the checkpoint's names, as transformers 4.47.1 computed them.
     */
    @Test
    void imageBatchGivesTheReferenceLogitsLossAndEveryGradient(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        Path in = tmp.resolve("in.safetensors"), out = tmp.resolve("out.safetensors");
        long[] mask;
        try (SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            mask = ref.readLongs("attention_mask");
            List<TensorEntry> inputs = new ArrayList<>();
            for (String name : List.of("input_ids", "attention_mask", "labels", "aspect_ratio_ids", "aspect_ratio_mask",
                    "cross_attention_mask")) {
                inputs.add(TensorEntry.ofLongs(name, ref.info(name).shape(), ref.readLongs(name)));
            }
            inputs.add(TensorEntry.ofFloats("pixel_values", ref.info("pixel_values").shape(), ref.readFloats("pixel_values")));
            SafetensorsWriter.write(in, inputs, Map.of());
        }
        int code = Main.commandLine().execute("forward", "--model", dir.toString(), "--inputs", in.toString(),
                "--output", out.toString());
        assertThat(code).isZero();
        try (SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
             SafetensorsFile got = SafetensorsFile.open(out)) {
            assertThat(validRelErr(got.readFloats("logits"), ref.readFloats("logits"), mask, 320)).isLessThan(1e-5);
            float refLoss = ref.readFloats("loss")[0];
            assertThat(Math.abs((double) got.readFloats("loss")[0] - refLoss) / refLoss).isLessThan(1e-5);
            List<String> grads = ref.names().stream().filter(n -> n.startsWith("grad.")).toList();
            assertThat(grads).isNotEmpty();
            for (String g : grads) {
                assertThat(got.contains(g)).as("%s written by jtuner forward", g).isTrue();
                assertThat(relErr(got.readFloats(g), ref.readFloats(g))).as(g).isLessThan(1e-5);
            }
        }
    }

    static double relErr(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    static double validRelErr(float[] a, float[] b, long[] mask, int vocab) {
        double num = 0, den = 0;
        for (int p = 0; p < mask.length; p++) {
            if (mask[p] == 0) continue; // padded positions carry no meaning
            for (int v = 0; v < vocab; v++) {
                double d = a[p * vocab + v] - b[p * vocab + v];
                num += d * d;
                den += (double) b[p * vocab + v] * b[p * vocab + v];
            }
        }
        return Math.sqrt(num / den);
    }
}

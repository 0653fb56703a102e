package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jtuner forward` on tiny-llama's reference batch writes what transformers computed. */
class ForwardCommandTest {

    @Test
    void logitsLossAndGradientsMatchTheReference(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-llama");
        Path out = tmp.resolve("out.safetensors");
        int code = Main.commandLine().execute("forward", "--model", dir.toString(),
                "--inputs", dir.resolve("reference.safetensors").toString(), "--output", out.toString());
        assertThat(code).isZero();
        try (SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"));
             SafetensorsFile got = SafetensorsFile.open(out)) {
            long[] mask = ref.readLongs("attention_mask");
            int vocab = (int) ref.info("logits").shape()[2];
            float[] a = got.readFloats("logits"), b = ref.readFloats("logits");
            double num = 0, den = 0;
            for (int p = 0; p < mask.length; p++) {
                if (mask[p] == 0) continue; // padded positions carry no meaning
                for (int v = 0; v < vocab; v++) {
                    double d = a[p * vocab + v] - b[p * vocab + v];
                    num += d * d;
                    den += (double) b[p * vocab + v] * b[p * vocab + v];
                }
            }
            assertThat(Math.sqrt(num / den)).as("logits").isLessThan(1e-5);
            assertThat(got.readFloats("loss")[0]).isCloseTo(ref.readFloats("loss")[0], org.assertj.core.data.Offset.offset(1e-5f));
            int grads = 0;
            for (String name : ref.names()) {
                if (!name.startsWith("grad.")) continue;
                assertThat(got.contains(name)).as(name).isTrue();
                assertThat(relErr(got.readFloats(name), ref.readFloats(name))).as(name).isLessThan(1e-5);
                grads++;
            }
            assertThat(grads).isGreaterThan(3);
        }
    }

    @Test
    void builtInConfigsAreListedAndCopied(@TempDir Path tmp) throws Exception {
        var sw = new java.io.StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new java.io.PrintWriter(sw));
        java.io.PrintStream saved = System.out;
        var buffer = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buffer));
        try {
            assertThat(cl.execute("list-cfg", "-p", "vicuna")).isZero();
            assertThat(cl.execute("copy-cfg", "demo_pretrain", tmp.toString())).isZero();
        } finally {
            System.setOut(saved);
        }
        assertThat(buffer.toString()).contains("llava_vicuna_7b_v15_clip_vit_large_p14_336_e1_pretrain")
                .contains("llava_vicuna_7b_v15_clip_vit_large_p14_336_lora_e1_finetune").doesNotContain("llama3");
        assertThat(tmp.resolve("demo_pretrain.yaml")).exists();
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

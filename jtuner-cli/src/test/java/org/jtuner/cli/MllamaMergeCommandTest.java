package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.models.mllama.MllamaTraining;
import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.nn.Linear;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner merge --mllama}: a PEFT LoRA adapter saved by jtuner on tiny-mllama's text model (self-attention,
 * cross-attention and MLP) merged into the base gives, from pixels, the logits of adapter + base; with
 * {@code --dtype bf16 --max-shard-size} the folder is Meta's layout (BF16 shards + index, torch_dtype bfloat16).
 * That transformers 4.47.1 loads such folders with the same logits is bench/interop/mllama_hf_load.sh.
 */
class MllamaMergeCommandTest {

    @Test
    void mergedAdapterGivesTheLogitsOfAdapterPlusBase(@TempDir Path tmp) throws Exception {
        Path fx = Fixtures.path("tiny-mllama"), adapter = tmp.resolve("adapter");
        float[] withAdapter, base;
        int[] mask;
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.load(fx, false);
             SafetensorsFile ref = SafetensorsFile.open(fx.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            mask = ForwardCommand.ints(fx, ref, "attention_mask", true).toIntArray();
            base = logits(model, fx, ref);
            MllamaTraining.addTextLora(model, 4, 8, 0.0, new Random(5));
            Random r = new Random(6); // PEFT starts B at zero; a trained adapter has it non-zero
            model.namedModules().forEach((n, m) -> {
                if (m instanceof Linear l && l.hasLora()) {
                    int[] shape = l.loraB().weight().shape();
                    float[] v = new float[shape[0] * shape[1]];
                    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() * 0.05);
                    l.loraB().weight().set(Scope.unscoped(() -> Tensor.of(v, shape)));
                }
            });
            withAdapter = logits(model, fx, ref);
            PeftAdapters.save(model, MllamaTraining.textLoraSpec(4, 8, 0.0), adapter, fx.toString(), "CAUSAL_LM");
        }
        assertThat(relErr(withAdapter, base, mask)).as("the adapter changes the logits").isGreaterThan(1e-2);

        Path merged = tmp.resolve("merged");
        assertThat(Main.commandLine().execute("merge", "--mllama", fx.toString(), "--llm-adapter", adapter.toString(),
                "--output", merged.toString())).isZero();
        assertThat(relErr(logitsOf(merged, false, fx), withAdapter, mask)).isLessThan(1e-5);

        Path bf16 = tmp.resolve("bf16");
        assertThat(Main.commandLine().execute("merge", "--mllama", fx.toString(), "--llm-adapter", adapter.toString(),
                "--dtype", "bf16", "--max-shard-size", "100KB", "--output", bf16.toString())).isZero();
        assertThat(bf16.resolve("model.safetensors.index.json")).exists();
        assertThat(HfConfigs.readJson(bf16.resolve("config.json")).get("torch_dtype").asText()).isEqualTo("bfloat16");
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(bf16)) {
            assertThat(ckpt.files()).hasSizeGreaterThan(2);
            for (String name : ckpt.names()) assertThat(ckpt.info(name).dtype()).as(name).isEqualTo("BF16");
        }
        double bf16Err = relErr(logitsOf(bf16, true, fx), withAdapter, mask);
        System.out.printf("tiny-mllama merge: BF16 shards vs adapter + base logits %.3g%n", bf16Err);
        assertThat(bf16Err).isLessThan(3e-2); // BF16 rounding of the weights, nothing more
    }

    private static float[] logitsOf(Path dir, boolean frozenHalfPrecision, Path fx) throws Exception {
        try (MllamaForConditionalGeneration m = MllamaForConditionalGeneration.load(dir, frozenHalfPrecision);
             SafetensorsFile ref = SafetensorsFile.open(fx.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            return logits(m, fx, ref);
        }
    }

    private static float[] logits(MllamaForConditionalGeneration m, Path fx, SafetensorsFile ref) {
        Tensor pixels = Tensor.of(ref.readFloats("pixel_values"), ForwardCommand.shape(ref, "pixel_values"));
        return m.forward(ForwardCommand.ints(fx, ref, "input_ids", true), ForwardCommand.ints(fx, ref, "attention_mask", true),
                pixels, ForwardCommand.ints(fx, ref, "aspect_ratio_ids", true),
                ForwardCommand.ints(fx, ref, "aspect_ratio_mask", true),
                ForwardCommand.ints(fx, ref, "cross_attention_mask", true)).toFloatArray();
    }

    /** ‖a − b‖ / ‖b‖ over the valid (attention_mask 1) positions of [B, T, vocab] logits. */
    private static double relErr(float[] a, float[] b, int[] mask) {
        int vocab = a.length / mask.length;
        double num = 0, den = 0;
        for (int p = 0; p < mask.length; p++) {
            if (mask[p] == 0) continue;
            for (int v = p * vocab; v < (p + 1) * vocab; v++) {
                double d = a[v] - b[v];
                num += d * d;
                den += (double) b[v] * b[v];
            }
        }
        return Math.sqrt(num / den);
    }
}

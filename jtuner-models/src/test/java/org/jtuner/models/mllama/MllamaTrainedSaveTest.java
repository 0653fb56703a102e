package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.SafetensorsWriter;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole tiny-mllama trained a few AdamW steps from pixels (vision model, projector and language model, gates
 * included), then saved as save_pretrained lays it out (config.json, shards + index): the loss falls, and the folder
 * loads back to the in-memory model's logits bit for bit.
 *
 * <p>For the interop check ({@code bench/interop/mllama_hf_load.sh}), {@code -Djtuner.interop.out=DIR} also saves the
 * trained folder to DIR and, beside it, {@code DIR.reference.safetensors}: the fixture's inputs with jtuner's logits
 * and loss of the trained model, which transformers' from_pretrained of DIR must reproduce.
 */
class MllamaTrainedSaveTest {

    @Test
    void trainedModelSavesAndReloadsToTheSameLogits(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        String interop = System.getProperty("jtuner.interop.out");
        Path saved = interop == null ? tmp.resolve("trained") : Path.of(interop);
        double[] losses = new double[4];
        float[] trainedLogits;
        float trainedLoss;
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.load(dir, false);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            MllamaTraining.setTrainableParts(model, true, true, true);
            Map<String, Parameter> trainable = new LinkedHashMap<>();
            model.namedParameters().forEach((n, p) -> { if (p.trainable()) trainable.put(n, p); });
            try (AdamW opt = new AdamW(trainable, 0.9, 0.999, 1e-8, 0.01)) {
                for (int i = 0; i < 3; i++) {
                    try (Scope step = Scope.open()) {
                        Tensor loss = MllamaForConditionalGeneration.loss(logits(model, ref), ref.ints("labels"));
                        loss.backward();
                        losses[i] = loss.item();
                        GradClip.clip(model.trainableParameters(), 1.0);
                        opt.step(1e-3);
                        opt.zeroGrad();
                    }
                }
            }
            try (AutoCloseable ng = Autograd.noGrad()) {
                Tensor logits = logits(model, ref);
                trainedLogits = logits.toFloatArray();
                trainedLoss = MllamaForConditionalGeneration.loss(logits, ref.ints("labels")).item();
                losses[3] = trainedLoss;
            }
            model.save(saved, 300_000);
        }
        System.out.printf("tiny-mllama full model, 3 AdamW steps (lr 1e-3) from pixels: losses %s%n", java.util.Arrays.toString(losses));
        for (int i = 1; i < 4; i++) assertThat(losses[i]).as("loss after step %d", i).isLessThan(losses[i - 1]);
        assertThat(saved.resolve("model.safetensors.index.json")).exists();

        try (MllamaForConditionalGeneration reloaded = MllamaForConditionalGeneration.load(saved, false);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            assertThat(logits(reloaded, ref).toFloatArray()).containsExactly(trainedLogits);
        }
        if (interop != null) writeInteropReference(dir, Path.of(interop + ".reference.safetensors"), trainedLogits, trainedLoss);
    }

    private static Tensor logits(MllamaForConditionalGeneration m, ReferenceTensors ref) {
        return m.forward(ref.ints("input_ids"), ref.ints("attention_mask"), ref.tensor("pixel_values"),
                ref.ints("aspect_ratio_ids"), ref.ints("aspect_ratio_mask"), ref.ints("cross_attention_mask"));
    }

    /** The fixture's inputs, by transformers' names, and jtuner's logits and loss: what hf_check.py reads. */
    private static void writeInteropReference(Path dir, Path file, float[] logits, float loss) throws Exception {
        List<TensorEntry> out = new ArrayList<>();
        try (SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            for (String name : List.of("input_ids", "attention_mask", "labels", "aspect_ratio_ids", "aspect_ratio_mask",
                    "cross_attention_mask")) {
                out.add(TensorEntry.ofLongs(name, ref.info(name).shape(), ref.readLongs(name)));
            }
            out.add(TensorEntry.ofFloats("pixel_values", ref.info("pixel_values").shape(), ref.readFloats("pixel_values")));
            out.add(TensorEntry.ofFloats("logits", ref.info("logits").shape(), logits));
        }
        out.add(TensorEntry.ofFloats("loss", new long[] {1}, new float[] {loss}));
        SafetensorsWriter.write(file, out, Map.of("format", "pt"));
        System.out.println("interop: trained folder and its reference written to " + file);
    }
}

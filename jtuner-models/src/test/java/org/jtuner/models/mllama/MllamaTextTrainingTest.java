package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training the tiny-mllama language model on the fixture's batch (with its cross_attention_states): six AdamW steps
 * reduce the loss; three steps, a save of weights and optimizer state, a fresh model loading them, and three more
 * steps end bit for bit where six straight steps end; activation checkpointing gives the same gradients; a sharded
 * BF16 checkpoint loads with the frozen weights kept in BF16.
 */
class MllamaTextTrainingTest {

    private record Batch(Tensor ids, Tensor mask, Tensor labels, Tensor vision, MllamaCrossAttentionMask xmask) {}

    private static Batch batch(ReferenceTensors ref) {
        return new Batch(ref.ints("input_ids"), ref.ints("attention_mask"), ref.ints("labels"),
                ref.tensor("cross_attention_states").reshape(2, 4 * 17, 64),
                MllamaCrossAttentionMask.of(ref.ints("cross_attention_mask"), 17));
    }

    private static double step(MllamaForCausalLM lm, AdamW opt, Batch b) {
        try (Scope s = Scope.open()) {
            Tensor loss = LlamaForCausalLM.causalLmLoss(lm.forward(b.ids, b.mask, b.vision, b.xmask), b.labels);
            loss.backward();
            double l = loss.item();
            GradClip.clip(lm.trainableParameters(), 1.0);
            opt.step(1e-3);
            opt.zeroGrad();
            return l;
        }
    }

    private static AdamW adamW(MllamaForCausalLM lm) {
        Map<String, Parameter> trainable = new LinkedHashMap<>();
        lm.namedParameters().forEach((n, p) -> { if (p.trainable()) trainable.put(n, p); });
        return new AdamW(trainable, 0.9, 0.999, 1e-8, 0.01);
    }

    @Test
    void sixStepsReduceTheLossAndResumeIsExact(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        double[] straight = new double[6];
        Map<String, float[]> finalWeights = new HashMap<>();
        try (MllamaForCausalLM lm = MllamaTextModelParityTest.loadText(dir); AdamW opt = adamW(lm);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors")); Scope s = Scope.open()) {
            Batch b = batch(ref);
            for (int i = 0; i < 6; i++) straight[i] = step(lm, opt, b);
            lm.namedParameters().forEach((n, p) -> finalWeights.put(n, p.value().toFloatArray()));
        }
        System.out.printf("tiny-mllama text, 6 AdamW steps (lr 1e-3): losses %s%n", java.util.Arrays.toString(straight));
        for (int i = 1; i < 6; i++) assertThat(straight[i]).as("loss at step %d", i).isLessThan(straight[i - 1]);

        Path ckpt = tmp.resolve("step-3");
        long optSteps;
        long[] paramSteps;
        double[] resumed = new double[6];
        try (MllamaForCausalLM lm = MllamaTextModelParityTest.loadText(dir); AdamW opt = adamW(lm);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors")); Scope s = Scope.open()) {
            Batch b = batch(ref);
            for (int i = 0; i < 3; i++) resumed[i] = step(lm, opt, b);
            WeightSaver.save(lm, KeyMap.identity(), ckpt.resolve("weights"));
            List<TensorEntry> moments = new ArrayList<>();
            opt.state().forEach((n, t) -> moments.add(WeightSaver.entry(n, t, "F32")));
            ShardedCheckpoint.write(ckpt.resolve("optimizer"), moments, Map.of(), Long.MAX_VALUE);
            optSteps = opt.stepCount();
            paramSteps = opt.parameterSteps();
        }
        try (MllamaForCausalLM lm = MllamaTextModelParityTest.loadText(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors")); Scope s = Scope.open()) {
            WeightLoader.load(lm, ckpt.resolve("weights"), KeyMap.identity(), WeightLoader.Options.strict());
            try (AdamW opt = adamW(lm); ShardedCheckpoint moments = ShardedCheckpoint.open(ckpt.resolve("optimizer"))) {
                Map<String, float[]> state = new HashMap<>();
                for (String n : moments.names()) state.put(n, moments.readFloats(n));
                opt.loadState(state, optSteps, paramSteps);
                Batch b = batch(ref);
                for (int i = 3; i < 6; i++) resumed[i] = step(lm, opt, b);
            }
            assertThat(resumed).containsExactly(straight);
            lm.namedParameters().forEach((n, p) -> assertThat(p.value().toFloatArray()).as(n).containsExactly(finalWeights.get(n)));
        }
    }

    @Test
    void activationCheckpointingGivesTheSameGradients() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForCausalLM plain = MllamaTextModelParityTest.loadText(dir);
             MllamaForCausalLM recomputed = MllamaTextModelParityTest.loadText(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors")); Scope s = Scope.open()) {
            recomputed.model().setActivationCheckpointing(true);
            Batch b = batch(ref);
            Tensor l1 = LlamaForCausalLM.causalLmLoss(plain.forward(b.ids, b.mask, b.vision, b.xmask), b.labels);
            Tensor l2 = LlamaForCausalLM.causalLmLoss(recomputed.forward(b.ids, b.mask, b.vision, b.xmask), b.labels);
            l1.backward();
            l2.backward();
            assertThat(l2.item()).isEqualTo(l1.item());
            Map<String, Parameter> p2 = recomputed.namedParameters();
            plain.namedParameters().forEach((n, p) -> assertThat(p2.get(n).value().grad().toFloatArray()).as(n)
                    .containsExactly(p.value().grad().toFloatArray()));
        }
    }

    /** Meta publishes sharded BF16 safetensors: a frozen model keeps them BF16; logits stay close to F32's. */
    @Test
    void shardedBf16CheckpointLoadsWithFrozenWeightsInBf16(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-mllama"), bf16 = tmp.resolve("bf16");
        Files.createDirectories(bf16);
        List<TensorEntry> entries = new ArrayList<>();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            for (String name : ckpt.names()) entries.add(TensorEntry.ofFloats(name, "BF16", ckpt.info(name).shape(), ckpt.readFloats(name)));
        }
        List<Path> shards = ShardedCheckpoint.write(bf16, entries, Map.of("format", "pt"), 200_000);
        assertThat(shards).hasSizeGreaterThan(1);
        assertThat(bf16.resolve("model.safetensors.index.json")).exists();
        MllamaTextConfig config = MllamaTextModelParityTest.loadText(dir).config();
        try (MllamaForCausalLM half = MllamaForCausalLM.create(config, null);
             MllamaForCausalLM full = MllamaTextModelParityTest.loadText(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            half.setTrainable(false);
            WeightLoader.load(half, bf16, KeyMap.prefix("language_model."), WeightLoader.Options.strict()
                    .keepHalfPrecisionFrozen(true).ignoreUnexpected("vision_model\\..*", "multi_modal_projector\\..*"));
            assertThat(half.parameter("model.layers.2.cross_attn.q_proj.weight").value().dtype()).isEqualTo(DType.BF16);
            assertThat(half.parameter("model.layers.2.cross_attn_attn_gate").value().dtype()).isEqualTo(DType.BF16);
            Batch b = batch(ref);
            double err = MllamaTextModelParityTest.validRelErr(half.forward(b.ids, b.mask, b.vision, b.xmask).toFloatArray(),
                    full.forward(b.ids, b.mask, b.vision, b.xmask).toFloatArray(), ref.intArray("attention_mask"));
            System.out.printf("tiny-mllama text BF16 sharded vs F32 logits rel err %.3g%n", err);
            assertThat(err).isLessThan(3e-2);
        }
    }
}

package org.jtuner.models.llava;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tiny-llava against transformers 5: projector output, logits, loss and every reference gradient. */
class LlavaParityTest {
    static final double TOL = 1e-5;

    @Test
    void imageFeaturesLogitsLossAndGradientsMatchTransformers() throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            Tensor ids = ref.ints("input_ids"), mask = ref.ints("attention_mask"), labels = ref.ints("labels");
            Tensor pixels = ref.tensor("pixel_values");

            try (Scope inner = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
                Tensor features = model.imageFeatures(pixels);
                assertThat(features.shape()).containsExactly(1, 16, 64);
                double err = ReferenceTensors.relErr(features.toFloatArray(), ref.floats("image_features"));
                System.out.printf("tiny-llava image_features rel err %.3g%n", err);
                assertThat(err).isLessThan(TOL);
            }

            Tensor logits = model.forward(ids, mask, pixels);
            assertThat(logits.shape()).containsExactly(ref.shape("logits"));
            double logitErr = validRelErr(logits.toFloatArray(), ref.floats("logits"), ref.intArray("attention_mask"), 320);
            Tensor loss = LlavaForConditionalGeneration.loss(logits, labels);
            float refLoss = ref.floats("loss")[0];
            double lossErr = Math.abs(loss.item() - refLoss) / Math.abs(refLoss);
            System.out.printf("tiny-llava logits (valid positions) rel err %.3g, loss %.7f vs %.7f (rel %.3g)%n",
                    logitErr, loss.item(), refLoss, lossErr);
            assertThat(logitErr).isLessThan(TOL);
            assertThat(lossErr).isLessThan(TOL);

            loss.backward();
            assertGradientsMatch(model, ref);
        }
    }

    /**
     * The training loss, whose LM head runs only at the positions that predict a label (the fixture's batch ignores
     * the labels of its image, prompt and padding tokens), gives transformers' loss and every reference gradient.
     */
    @Test
    void trainingLossWithLogitsOnlyWhereLabelsCountMatchesTransformers() throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            int[] labels = ref.intArray("labels");
            long counted = java.util.stream.IntStream.range(0, labels.length)
                    .filter(i -> (i + 1) % ref.shape("labels")[1] != 0 && labels[i + 1] != -100).count();
            assertThat(counted).as("positions that predict a label").isBetween(1L, labels.length - 2L);
            Tensor loss = model.trainingLoss(ref.ints("input_ids"), ref.ints("attention_mask"),
                    ref.tensor("pixel_values"), ref.ints("labels"));
            float refLoss = ref.floats("loss")[0];
            double lossErr = Math.abs(loss.item() - refLoss) / Math.abs(refLoss);
            System.out.printf("tiny-llava training loss (logits at %d positions) %.7f vs %.7f (rel %.3g)%n",
                    counted, loss.item(), refLoss, lossErr);
            assertThat(lossErr).isLessThan(TOL);
            loss.backward();
            assertGradientsMatch(model, ref);
        }
    }

    /** With no label to predict, the training loss is the full path's (transformers' mean over no labels). */
    @Test
    void trainingLossWithEveryLabelIgnoredIsTheFullPathsLoss() throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            int[] shape = ref.shape("labels");
            int[] ignored = new int[shape[0] * shape[1]];
            java.util.Arrays.fill(ignored, -100);
            Tensor labels = Tensor.ofInts(ignored, shape);
            Tensor ids = ref.ints("input_ids"), mask = ref.ints("attention_mask"), pixels = ref.tensor("pixel_values");
            double full = LlavaForConditionalGeneration.loss(model.forward(ids, mask, pixels), labels).item();
            double training = model.trainingLoss(ids, mask, pixels, labels).item();
            assertThat(Double.doubleToLongBits(training)).isEqualTo(Double.doubleToLongBits(full));
        }
    }

    /** Every gradient the fixture stores (10 of them) against the model's. */
    private static void assertGradientsMatch(LlavaForConditionalGeneration model, ReferenceTensors ref) {
        List<String> grads = ref.names().stream().filter(n -> n.startsWith("grad.")).toList();
        assertThat(grads).hasSize(10);
        for (String g : grads) {
            String name = g.substring("grad.".length());
            Parameter p = model.parameter(name);
            assertThat(p).as("parameter %s", name).isNotNull();
            assertThat(p.value().grad()).as("gradient of %s", name).isNotNull();
            double err = ReferenceTensors.relErr(p.value().grad().toFloatArray(), ref.floats(g));
            System.out.printf("tiny-llava %s rel err %.3g%n", g, err);
            assertThat(err).as(g).isLessThan(TOL);
        }
    }

    /** The fixture's layout (save_pretrained), hub layout (vision_tower.vision_model.*) and in-memory names all load. */
    @Test
    void everyCheckpointLayoutLoadsTheSameModel(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        Path hub = rewrite(dir, tmp.resolve("hub"), k -> k.startsWith("vision_tower.")
                ? "vision_tower.vision_model." + k.substring("vision_tower.".length()) : k);
        Path memory = rewrite(dir, tmp.resolve("memory"), k -> {
            if (k.startsWith("language_model.model.")) return "model.language_model." + k.substring("language_model.model.".length());
            if (k.startsWith("language_model.lm_head.")) return k.substring("language_model.".length());
            return "model." + k;
        });
        Path memoryNested = rewrite(memory, tmp.resolve("memory-nested"), k -> k.startsWith("model.vision_tower.")
                ? "model.vision_tower.vision_model." + k.substring("model.vision_tower.".length()) : k);
        try (LlavaForConditionalGeneration a = LlavaForConditionalGeneration.load(dir);
             LlavaForConditionalGeneration b = LlavaForConditionalGeneration.load(hub);
             LlavaForConditionalGeneration c = LlavaForConditionalGeneration.load(memory);
             LlavaForConditionalGeneration d = LlavaForConditionalGeneration.load(memoryNested);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor ids = ref.ints("input_ids"), mask = ref.ints("attention_mask"), pixels = ref.tensor("pixel_values");
            float[] expected = a.forward(ids, mask, pixels).toFloatArray();
            ReferenceTensors.assertSame(b.forward(ids, mask, pixels).toFloatArray(), expected, "vision_tower.vision_model layout");
            ReferenceTensors.assertSame(c.forward(ids, mask, pixels).toFloatArray(), expected, "in-memory names");
            ReferenceTensors.assertSame(d.forward(ids, mask, pixels).toFloatArray(), expected, "model.vision_tower.vision_model");
        }
    }

    @Test
    void parameterNamesAreTransformers5InMemoryNames() throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(dir);
             ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            var names = model.namedParameters().keySet();
            assertThat(names).hasSize(ckpt.names().size());
            assertThat(names).allMatch(n -> n.startsWith("model.vision_tower.") || n.startsWith("model.multi_modal_projector.")
                    || n.startsWith("model.language_model.") || n.equals("lm_head.weight"));
            assertThat(names).contains("model.vision_tower.embeddings.patch_embedding.weight",
                    "model.vision_tower.post_layernorm.weight", "model.multi_modal_projector.linear_2.bias",
                    "model.language_model.layers.1.mlp.down_proj.weight", "model.language_model.norm.weight",
                    "lm_head.weight");
        }
    }

    /** BF16 weights, backbone frozen: tower and LLM stay BF16, the projector is F32; logits close to F32's. */
    @Test
    void frozenBackboneKeepsHalfPrecisionWeights(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        Path bf16 = tmp.resolve("bf16");
        Files.createDirectories(bf16);
        Files.copy(dir.resolve("config.json"), bf16.resolve("config.json"));
        List<TensorEntry> entries = new ArrayList<>();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            for (String name : ckpt.names()) {
                entries.add(TensorEntry.ofFloats(name, "BF16", ckpt.info(name).shape(), ckpt.readFloats(name)));
            }
        }
        ShardedCheckpoint.write(bf16, entries, Map.of(), Long.MAX_VALUE);
        try (LlavaForConditionalGeneration half = LlavaForConditionalGeneration.load(bf16, true);
             LlavaForConditionalGeneration full = LlavaForConditionalGeneration.load(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            assertThat(half.parameter("model.vision_tower.encoder.layers.0.self_attn.q_proj.weight").value().dtype())
                    .isEqualTo(org.jtuner.tensor.DType.BF16);
            assertThat(half.parameter("model.language_model.layers.0.self_attn.q_proj.weight").trainable()).isFalse();
            assertThat(half.parameter("model.multi_modal_projector.linear_1.weight").value().dtype())
                    .isEqualTo(org.jtuner.tensor.DType.F32);
            assertThat(half.trainableParameters()).hasSize(4);
            Tensor ids = ref.ints("input_ids"), mask = ref.ints("attention_mask"), pixels = ref.tensor("pixel_values");
            Tensor logits = half.forward(ids, mask, pixels);
            double err;
            try (AutoCloseable ng = Autograd.noGrad()) {
                err = validRelErr(logits.toFloatArray(), full.forward(ids, mask, pixels).toFloatArray(),
                        ref.intArray("attention_mask"), 320);
            }
            System.out.printf("tiny-llava BF16 backbone vs F32 logits rel err %.3g%n", err);
            assertThat(err).isLessThan(5e-2);
            LlavaForConditionalGeneration.loss(logits, ref.ints("labels")).backward();
            assertThat(half.parameter("model.multi_modal_projector.linear_1.weight").value().grad()).isNotNull();
            assertThat(half.parameter("model.language_model.layers.0.self_attn.q_proj.weight").value().grad()).isNull();
        }
    }

    static double validRelErr(float[] a, float[] b, int[] mask, int vocab) {
        List<Float> x = new ArrayList<>(), y = new ArrayList<>();
        for (int pos = 0; pos < mask.length; pos++) {
            if (mask[pos] == 0) continue;
            for (int v = 0; v < vocab; v++) {
                x.add(a[pos * vocab + v]);
                y.add(b[pos * vocab + v]);
            }
        }
        float[] xa = new float[x.size()], ya = new float[y.size()];
        for (int i = 0; i < xa.length; i++) {
            xa[i] = x.get(i);
            ya[i] = y.get(i);
        }
        return ReferenceTensors.relErr(xa, ya);
    }

    /** A copy of a checkpoint folder with every key renamed. */
    static Path rewrite(Path from, Path to, java.util.function.UnaryOperator<String> rename) throws Exception {
        Files.createDirectories(to);
        Files.copy(from.resolve("config.json"), to.resolve("config.json"));
        List<TensorEntry> entries = new ArrayList<>();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(from)) {
            for (String name : ckpt.names()) {
                entries.add(TensorEntry.ofFloats(rename.apply(name), ckpt.info(name).shape(), ckpt.readFloats(name)));
            }
        }
        ShardedCheckpoint.write(to, entries, Map.of(), Long.MAX_VALUE);
        return to;
    }
}

package org.jtuner.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.LlavaConfig;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.cpu.Parallel;

/**
 * One full LLaVA training step (forward, loss, backward, gradient clipping, AdamW, zero_grad; every parameter F32 and
 * trained) at two sizes: the Java side of bench/train_cpu.sh, whose PyTorch side is bench/torch_llava_train.py (the
 * same model, the same shapes, the same step).
 *
 * <ul>
 *   <li>small: image 64, patch 8, ViT 128 × 4 layers, 4 heads, MLP 512; projector 128→256→256; Llama 256 × 4 layers,
 *       8 heads, 4 kv heads, MLP 688, vocab 4096; batch 8 × (64 image + 64 text tokens).</li>
 *   <li>medium: image 112, patch 14, ViT 256 × 6 layers, 8 heads, MLP 1024; projector 256→512→512; Llama 512 × 8
 *       layers, 8 heads, 4 kv heads, MLP 1376, vocab 8192; batch 8 × (64 image + 128 text tokens).</li>
 * </ul>
 * The vision tower runs up to layer -2 (LLaVA's feature layer; the CLS token is dropped, 64 patch tokens remain),
 * the projected features take the first 64 positions of each row, the text tokens follow; labels are random ids at
 * the text positions and -100 at the image positions, and the loss is transformers' shifted causal-LM mean. The loss
 * is jtuner's training loss ({@link LlavaForConditionalGeneration#trainingLoss}), as {@code jtuner train} computes
 * it: the LM head runs only at the positions that predict a label (128 of 192 per row in medium; PyTorch, as
 * transformers does, computes the logits of all 192), for the same loss and gradients.
 *
 * <p>Usage: {@code TrainStepBench [--steps N] [--warmup W] [--warmup-s S] [small] [medium]}: N timed steps after a
 * warm-up of at least W steps and S seconds (the JIT compiles the kernels during the first few steps). Per size it
 * prints {@code jtuner <size> step_ms <median> tokens_per_s <x> fwd_ms <f> bwd_ms <b> opt_ms <o> loss <first>..<last>
 * params <n> threads <t> warmup <steps> steps <all step times>}, medians over the timed steps. With
 * {@code -Dbench.marks=true} it also prints {@code marks <size> timed_epoch_ms <from> <to>}: the timed steps'
 * wall-clock window (to keep only those samples of a JFR recording).
 */
public final class TrainStepBench {
    /** One benchmark size. */
    record Size(String name, int image, int patch, int vHidden, int vLayers, int vHeads, int vMlp,
                int hidden, int layers, int heads, int kvHeads, int mlp, int vocab, int batch, int textTokens) {
        int imageTokens() {
            return (image / patch) * (image / patch);
        }

        int sequence() {
            return imageTokens() + textTokens;
        }
    }

    static final Size SMALL = new Size("small", 64, 8, 128, 4, 4, 512, 256, 4, 8, 4, 688, 4096, 8, 64);
    static final Size MEDIUM = new Size("medium", 112, 14, 256, 6, 8, 1024, 512, 8, 8, 4, 1376, 8192, 8, 128);

    static final int IMAGE_TOKEN = LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX;
    static final double LR = 1e-4, MAX_NORM = 1.0, WEIGHT_DECAY = 0.0;

    public static void main(String[] args) {
        int steps = 5, warmup = 3;
        double warmupSeconds = 0;
        List<Size> sizes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warmup-s" -> warmupSeconds = Double.parseDouble(args[++i]);
                case "small" -> sizes.add(SMALL);
                case "medium" -> sizes.add(MEDIUM);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: TrainStepBench [--steps N] [--warmup W] [--warmup-s S] [small] [medium])");
            }
        }
        if (sizes.isEmpty()) sizes = List.of(SMALL, MEDIUM);
        for (Size size : sizes) run(size, warmup, warmupSeconds, steps);
    }

    static LlavaConfig config(Size z) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode text = f.objectNode()
                .put("model_type", "llama").put("hidden_size", z.hidden).put("intermediate_size", z.mlp)
                .put("num_hidden_layers", z.layers).put("num_attention_heads", z.heads)
                .put("num_key_value_heads", z.kvHeads).put("vocab_size", z.vocab).put("rms_norm_eps", 1e-6)
                .put("hidden_act", "silu").put("max_position_embeddings", 2048).put("rope_theta", 10000.0)
                .put("tie_word_embeddings", false);
        ObjectNode vision = f.objectNode()
                .put("model_type", "clip_vision_model").put("hidden_size", z.vHidden)
                .put("intermediate_size", z.vMlp).put("num_hidden_layers", z.vLayers)
                .put("num_attention_heads", z.vHeads).put("image_size", z.image).put("patch_size", z.patch)
                .put("num_channels", 3).put("hidden_act", "quick_gelu").put("layer_norm_eps", 1e-5)
                .put("projection_dim", z.vHidden);
        ObjectNode json = f.objectNode().put("model_type", "llava");
        json.set("text_config", text);
        json.set("vision_config", vision);
        json.put("image_token_index", IMAGE_TOKEN).put("projector_hidden_act", "gelu")
                .put("vision_feature_layer", -2).put("vision_feature_select_strategy", "default")
                .put("image_seq_length", z.imageTokens()).put("multimodal_projector_bias", true)
                .put("tie_word_embeddings", false);
        return LlavaConfig.fromJson(json);
    }

    /** A batch's token rows [batch × sequence]: image positions first, then random ids; labels -100 at the images. */
    record Tokens(int[] ids, int[] labels, int[] mask) {
        static Tokens random(Size z, Random random) {
            int n = z.batch * z.sequence(), t = z.sequence(), img = z.imageTokens();
            int[] ids = new int[n], labels = new int[n], mask = new int[n];
            for (int k = 0; k < n; k++) {
                boolean image = k % t < img;
                ids[k] = image ? IMAGE_TOKEN : random.nextInt(z.vocab);
                labels[k] = image ? -100 : random.nextInt(z.vocab);
                mask[k] = 1;
            }
            return new Tokens(ids, labels, mask);
        }
    }

    static void run(Size z, int minWarmup, double warmupSeconds, int steps) {
        Random random = new Random(0);
        int b = z.batch, t = z.sequence();
        Tokens tokens = Tokens.random(z, random);
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.create(config(z), random)) {
            model.setTrainable(true);
            model.train(true);
            Map<String, Parameter> trainable = new LinkedHashMap<>();
            model.namedParameters().forEach((n, p) -> {
                if (p.trainable()) trainable.put(n, p);
            });
            long params = 0;
            for (Parameter p : trainable.values()) params += p.value().numel();
            Tensor inputIds = Tensor.ofInts(tokens.ids(), b, t);
            Tensor attentionMask = Tensor.ofInts(tokens.mask(), b, t);
            Tensor labelIds = Tensor.ofInts(tokens.labels(), b, t);
            Tensor pixels = Tensor.randn(random, 1.0, b, 3, z.image, z.image);
            double[] total = new double[steps], fwd = new double[steps], bwd = new double[steps], opt = new double[steps];
            double firstLoss = Double.NaN, lastLoss = Double.NaN;
            long timedFrom = 0, started = System.nanoTime();
            int warmup = -1; // known once the warm-up ends: at least minWarmup steps and warmupSeconds
            try (AdamW optimizer = new AdamW(trainable, 0.9, 0.999, 1e-8, WEIGHT_DECAY)) {
                for (int i = 0; warmup < 0 || i < warmup + steps; i++) {
                    if (warmup < 0 && i >= minWarmup && (System.nanoTime() - started) / 1e9 >= warmupSeconds) {
                        warmup = i;
                        timedFrom = System.currentTimeMillis();
                    }
                    long t0 = System.nanoTime(), t1, t2;
                    double loss;
                    try (Scope s = Scope.open()) {
                        Tensor l = model.trainingLoss(inputIds, attentionMask, pixels, labelIds);
                        loss = l.item();
                        t1 = System.nanoTime();
                        l.backward();
                        t2 = System.nanoTime();
                    }
                    GradClip.clip(trainable.values(), MAX_NORM);
                    optimizer.step(LR);
                    optimizer.zeroGrad();
                    long t3 = System.nanoTime();
                    if (!Double.isFinite(loss)) throw new IllegalStateException("loss is " + loss + " at step " + i);
                    if (i == 0) firstLoss = loss;
                    lastLoss = loss;
                    if (warmup >= 0) {
                        int k = i - warmup;
                        total[k] = (t3 - t0) / 1e6;
                        fwd[k] = (t1 - t0) / 1e6;
                        bwd[k] = (t2 - t1) / 1e6;
                        opt[k] = (t3 - t2) / 1e6;
                    }
                }
            } finally {
                inputIds.close();
                attentionMask.close();
                labelIds.close();
                pixels.close();
            }
            if (Boolean.getBoolean("bench.marks")) { // the timed steps' wall-clock window, to filter a JFR recording
                System.out.printf(Locale.ROOT, "marks %s timed_epoch_ms %d %d%n", z.name, timedFrom, System.currentTimeMillis());
            }
            double ms = median(total);
            StringBuilder all = new StringBuilder();
            for (double d : total) all.append(all.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.0f", d));
            System.out.printf(Locale.ROOT, "jtuner %s step_ms %.1f tokens_per_s %.1f fwd_ms %.1f bwd_ms %.1f opt_ms %.1f "
                            + "loss %.4f..%.4f params %d threads %d warmup %d steps %s%n",
                    z.name, ms, b * t / (ms / 1000), median(fwd), median(bwd), median(opt), firstLoss, lastLoss,
                    params, Parallel.threads(), warmup, all);
        }
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}

package org.jtuner.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.GenerationModel;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.tensor.cpu.Parallel;
import org.jtuner.vision.PixelValues;

/**
 * Greedy KV-cache generation with the medium LLaVA of {@link TrainStepBench} (random F32 weights): the Java side of
 * bench/generate.sh, whose PyTorch side is bench/torch_llava_generate.py. Each prompt is one image (64 tokens)
 * followed by {@code --text} random text tokens; every run generates exactly {@code --new} tokens (no EOS).
 *
 * <p>One measurement is two generations: {@code max_new_tokens = 1} gives the time to first token (vision tower,
 * projector, prefill, first greedy pick), {@code max_new_tokens = N} the whole; decoding runs at
 * {@code batch × (N - 1) / (whole - first)} tokens/s. Usage: {@code GenerateBench [--batch B] [--text T] [--new N]
 * [--reps R] [--warmup-s S]}; prints {@code jtuner generate batch <B> ttft_ms <median> decode_tokens_per_s <median>
 * ... } with medians over R measurements after S seconds of untimed ones (the JIT's warm-up).
 */
public final class GenerateBench {
    public static void main(String[] args) {
        int batch = 1, text = 64, newTokens = 64, reps = 5;
        double warmupSeconds = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--text" -> text = Integer.parseInt(args[++i]);
                case "--new" -> newTokens = Integer.parseInt(args[++i]);
                case "--reps" -> reps = Integer.parseInt(args[++i]);
                case "--warmup-s" -> warmupSeconds = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (usage: GenerateBench [--batch B] [--text T] [--new N] [--reps R] [--warmup-s S])");
            }
        }
        TrainStepBench.Size z = TrainStepBench.MEDIUM;
        Random random = new Random(0);
        try (LlavaForConditionalGeneration llava = LlavaForConditionalGeneration.create(TrainStepBench.config(z), random)) {
            llava.train(false);
            Generator generator = new Generator(GenerationModel.of(llava), null);
            List<Prompt> prompts = new ArrayList<>();
            for (int r = 0; r < batch; r++) {
                int img = z.imageTokens();
                int[] ids = new int[img + text];
                for (int j = 0; j < ids.length; j++) ids[j] = j < img ? TrainStepBench.IMAGE_TOKEN : random.nextInt(z.vocab());
                float[] pixels = new float[PixelValues.CHANNELS * z.image() * z.image()];
                for (int k = 0; k < pixels.length; k++) pixels[k] = (float) random.nextGaussian();
                prompts.add(new Prompt(ids, List.of(new PixelValues(z.image(), z.image(), pixels))));
            }
            GenerationConfig first = GenerationConfig.greedy(1, List.of()), whole = GenerationConfig.greedy(newTokens, List.of());
            long started = System.nanoTime();
            int warmups = 0;
            while ((System.nanoTime() - started) / 1e9 < warmupSeconds || warmups < 1) {
                generator.generate(prompts, whole, TextListener.NONE);
                warmups++;
            }
            double[] ttft = new double[reps], decode = new double[reps];
            int[] tokens = null;
            for (int i = 0; i < reps; i++) {
                long t0 = System.nanoTime();
                generator.generate(prompts, first, TextListener.NONE);
                long t1 = System.nanoTime();
                List<Generation> g = generator.generate(prompts, whole, TextListener.NONE);
                long t2 = System.nanoTime();
                tokens = g.getFirst().tokens();
                ttft[i] = (t1 - t0) / 1e6;
                decode[i] = batch * (newTokens - 1) / ((t2 - t1 - (t1 - t0)) / 1e9);
            }
            StringBuilder head = new StringBuilder();
            for (int k = 0; k < Math.min(8, tokens.length); k++) head.append(k == 0 ? "" : ",").append(tokens[k]);
            System.out.printf(Locale.ROOT, "jtuner generate batch %d ttft_ms %.1f decode_tokens_per_s %.1f prompt %d new %d "
                            + "threads %d warmup %d reps %d first_tokens %s%n",
                    batch, TrainStepBench.median(ttft), TrainStepBench.median(decode), z.imageTokens() + text, newTokens,
                    Parallel.threads(), warmups, reps, head);
        }
    }
}

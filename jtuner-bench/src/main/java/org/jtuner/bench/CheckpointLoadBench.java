package org.jtuner.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import org.jtuner.models.llama.LlamaForCausalLM;

/**
 * Loading the same Llama weights from a PyTorch pickle folder and from a safetensors folder, alternating, in one JVM
 * (files in the page cache after the first round): the Java side of bench/pickle_load.sh. A load is what a user's
 * {@code LlamaForCausalLM.load} does: open (parse the pickle or the header, validate), map, copy into parameters.
 * Prints {@code jtuner load ms pickle <median> safetensors <median> ratio <pickle/safetensors>}.
 */
public final class CheckpointLoadBench {
    public static void main(String[] args) throws Exception {
        Path pickle = Path.of(args[0]), safetensors = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
        double[] p = new double[rounds], s = new double[rounds];
        load(pickle);
        load(safetensors); // warm-up: JIT and page cache
        for (int i = 0; i < rounds; i++) {
            p[i] = load(pickle);
            s[i] = load(safetensors);
        }
        double mp = median(p), ms = median(s);
        System.out.printf(Locale.ROOT, "jtuner load ms pickle %.1f safetensors %.1f ratio %.3f%n", mp, ms, mp / ms);
    }

    private static double load(Path dir) throws Exception {
        long t0 = System.nanoTime();
        try (LlamaForCausalLM m = LlamaForCausalLM.load(dir)) {
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}

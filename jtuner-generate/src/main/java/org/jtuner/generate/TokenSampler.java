package org.jtuner.generate;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from a row of logits as transformers' generate does: RepetitionPenaltyLogitsProcessor
 * (a seen token's logit is divided by the penalty when positive, multiplied when negative), then for sampling
 * TemperatureLogitsWarper, TopKLogitsWarper (logits below the k-th largest removed, ties kept) and
 * TopPLogitsWarper (ascending sort, tokens whose cumulative probability is at most 1 - top_p removed, the most
 * likely always kept), then a draw from the softmax of what is left; greedy takes the arg-max after the penalty.
 */
public final class TokenSampler {
    private final GenerationConfig config;
    private final Random random;

    public TokenSampler(GenerationConfig config) {
        this.config = config;
        this.random = new Random(config.seed());
    }

    /** The next token for one row; {@code seen} are the ids the penalty applies to (prompt and generated). */
    public int next(float[] logits, int[] seen, int seenCount) {
        double[] x = new double[logits.length];
        for (int i = 0; i < x.length; i++) x[i] = logits[i];
        applyRepetitionPenalty(x, seen, seenCount, config.repetitionPenalty());
        if (!config.doSample()) return argmax(x);
        double[] p = filteredProbabilities(x, config.temperature(), config.topK(), config.topP());
        double u = random.nextDouble(), cumulative = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) continue;
            cumulative += p[i];
            last = i;
            if (u < cumulative) return i;
        }
        return last; // rounding left u above the total
    }

    static void applyRepetitionPenalty(double[] x, int[] seen, int count, double penalty) {
        if (penalty == 1.0) return;
        boolean[] done = new boolean[x.length];
        for (int k = 0; k < count; k++) {
            int id = seen[k];
            if (id < 0 || id >= x.length || done[id]) continue;
            done[id] = true;
            x[id] = x[id] < 0 ? x[id] * penalty : x[id] / penalty;
        }
    }

    /** The probabilities sampling draws from: softmax(logits / T) restricted by top-k and top-p, renormalised. */
    public static double[] filteredProbabilities(double[] logits, double temperature, int topK, double topP) {
        int v = logits.length;
        double[] x = new double[v];
        for (int i = 0; i < v; i++) x[i] = logits[i] / temperature;
        boolean[] removed = new boolean[v];
        if (topK > 0 && topK < v) {
            double[] sorted = x.clone();
            Arrays.sort(sorted);
            double kth = sorted[v - topK];
            for (int i = 0; i < v; i++) if (x[i] < kth) removed[i] = true;
        }
        if (topP < 1.0) {
            double[] p = softmax(x, removed);
            Integer[] order = new Integer[v];
            for (int i = 0; i < v; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> Double.compare(x[a], x[b])); // ascending, as transformers sorts
            double cumulative = 0;
            for (int r = 0; r < v - 1; r++) { // the last (most likely) is always kept
                int i = order[r];
                cumulative += p[i];
                if (cumulative <= 1 - topP) removed[i] = true;
            }
        }
        return softmax(x, removed);
    }

    private static double[] softmax(double[] x, boolean[] removed) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) if (!removed[i]) max = Math.max(max, x[i]);
        double[] p = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) if (!removed[i]) sum += p[i] = Math.exp(x[i] - max);
        for (int i = 0; i < x.length; i++) p[i] /= sum;
        return p;
    }

    static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}

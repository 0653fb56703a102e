package org.jtuner.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;

import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** Seeded sampling is reproducible, and what it draws follows the filtered softmax of the logits. */
class SamplingTest {
    static final int[] PROMPT = {1, 17, 250, 33, 5, 99, 140};

    @Test
    void aFixedSeedReproducesTheSampleAndAnotherSeedDoesNot() throws Exception {
        try (LlamaForCausalLM m = LlamaForCausalLM.load(Fixtures.path("tiny-llama"))) {
            Generator g = new Generator(GenerationModel.of(m), null);
            GenerationConfig c = new GenerationConfig(12, true, 1.5, 0, 1.0, 1.0, 7, List.of(), List.of());
            List<Prompt> batch = List.of(Prompt.text(PROMPT), Prompt.text(new int[] {5, 6}));
            List<Generation> a = g.generate(batch, c, TextListener.NONE), b = g.generate(batch, c, TextListener.NONE);
            for (int r = 0; r < 2; r++) assertThat(a.get(r).tokens()).containsExactly(b.get(r).tokens());
            boolean differs = false;
            for (long seed = 8; seed < 12; seed++) {
                differs |= !Arrays.equals(g.generate(batch, c.withSeed(seed), TextListener.NONE).getFirst().tokens(), a.getFirst().tokens());
            }
            assertThat(differs).as("other seeds draw other tokens").isTrue();
        }
    }

    /**
     * The expected distribution is computed here independently of {@link TokenSampler}: the logits sorted from the
     * most likely down, the first k kept, softmax at temperature T, then the most likely tokens kept while the mass
     * before them is below p (the nucleus), renormalised. Bound: over N = 60,000 draws every token's frequency is
     * within 5 standard deviations (sqrt(p(1-p)/N)) plus 1/N of its probability, and filtered tokens never appear:
     * for a correct sampler a 5-sigma miss on any of the kept tokens has probability below 1e-4.
     */
    @Test
    void drawFrequenciesMatchTheFilteredSoftmaxOfReferenceLogits() throws Exception {
        float[] logits;
        try (LlamaForCausalLM m = LlamaForCausalLM.load(Fixtures.path("tiny-llama")); Scope s = Scope.open();
             AutoCloseable ng = Autograd.noGrad()) {
            float[] all = m.forwardIds(Tensor.ofInts(PROMPT, 1, PROMPT.length), null).toFloatArray();
            int v = m.config().vocabSize();
            logits = Arrays.copyOfRange(all, (PROMPT.length - 1) * v, PROMPT.length * v);
        }
        // tiny-llama's logits are nearly flat: scale them so that top-k and top-p both cut
        for (int i = 0; i < logits.length; i++) logits[i] *= 40;
        double temperature = 0.8, topP = 0.8;
        int topK = 12;
        double[] expected = expectedDistribution(logits, temperature, topK, topP);
        long kept = Arrays.stream(expected).filter(p -> p > 0).count();
        assertThat(kept).as("both filters cut: fewer than k kept, more than one").isBetween(2L, (long) topK - 1);

        int n = 60_000;
        TokenSampler sampler = new TokenSampler(new GenerationConfig(1, true, temperature, topK, topP, 1.0, 3, List.of(), List.of()));
        int[] counts = new int[logits.length];
        for (int i = 0; i < n; i++) counts[sampler.next(logits, new int[0], 0)]++;
        for (int i = 0; i < logits.length; i++) {
            double f = (double) counts[i] / n, p = expected[i];
            if (p == 0) {
                assertThat(counts[i]).as("token %d is filtered out", i).isZero();
            } else {
                assertThat(Math.abs(f - p)).as("token %d: frequency %.4f, probability %.4f", i, f, p)
                        .isLessThanOrEqualTo(5 * Math.sqrt(p * (1 - p) / n) + 1.0 / n);
            }
        }
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        // greedy picks token 0 (logit 2.0) until it is penalised by 3: 2/3 < 1.0 (token 1); a negative seen logit
        // is multiplied, so a seen -0.1 (token 2) falls below the unseen -0.2 (token 3)
        float[] logits = {2.0f, 1.0f, -0.1f, -0.2f};
        TokenSampler greedy = new TokenSampler(new GenerationConfig(1, false, 1, 0, 1, 3.0, 0, List.of(), List.of()));
        assertThat(greedy.next(logits, new int[0], 0)).isEqualTo(0);
        assertThat(greedy.next(logits, new int[] {0, 0}, 2)).isEqualTo(1);
        assertThat(greedy.next(new float[] {-5f, -5f, -0.1f, -0.2f}, new int[] {2}, 1)).isEqualTo(3);
    }

    static double[] expectedDistribution(float[] logits, double temperature, int k, double p) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        double[] w = new double[logits.length];
        double z = 0, max = logits[order[0]] / temperature;
        for (int r = 0; r < k; r++) z += w[order[r]] = Math.exp(logits[order[r]] / temperature - max);
        double before = 0, keptMass = 0;
        double[] out = new double[logits.length];
        for (int r = 0; r < k && before < p; r++) {
            double q = w[order[r]] / z;
            out[order[r]] = q;
            keptMass += q;
            before += q;
        }
        for (int i = 0; i < out.length; i++) out[i] /= keptMass;
        return out;
    }
}

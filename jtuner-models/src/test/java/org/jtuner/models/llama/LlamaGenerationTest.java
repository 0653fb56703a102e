package org.jtuner.models.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jtuner.models.llama.Refs.assertClose;
import static org.jtuner.models.llama.Refs.relativeError;

import java.nio.file.Path;
import java.util.Arrays;

import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** The key/value cache computes what a full forward computes; greedy decoding with it picks the same tokens. */
class LlamaGenerationTest {
    static final int[] PROMPT = {1, 17, 250, 33, 5, 99, 140};

    @Test
    void cachedForwardMatchesFullForward() throws Exception {
        Path dir = Fixtures.path("tiny-qwen2");
        try (LlamaForCausalLM m = LlamaForCausalLM.load(dir); Scope s = Scope.open()) {
            int n = PROMPT.length, v = m.config().vocabSize();
            float[] full = m.forwardIds(Tensor.ofInts(PROMPT, 1, n), null).toFloatArray();
            KvCache[] cache = m.newCache();
            try {
                int split = 4;
                Tensor first = m.embedTokens().forward(Tensor.ofInts(Arrays.copyOf(PROMPT, split), 1, split));
                float[] a = m.forward(first, null, null, cache).toFloatArray();
                assertThat(cache[0].length()).isEqualTo(split);
                float[] b = new float[0];
                for (int t = split; t < n; t++) { // one token at a time
                    Tensor next = m.embedTokens().forward(Tensor.ofInts(new int[] {PROMPT[t]}, 1, 1));
                    float[] step = m.forward(next, null, null, cache).toFloatArray();
                    b = concat(b, step);
                }
                assertThat(cache[1].length()).isEqualTo(n);
                assertClose("cached prefix logits", relativeError(a, Arrays.copyOfRange(full, 0, split * v)), 1e-6);
                assertClose("cached step logits", relativeError(b, Arrays.copyOfRange(full, split * v, n * v)), 1e-6);
            } finally {
                KvCache.closeAll(cache);
            }
        }
    }

    @Test
    void greedyWithCacheEqualsGreedyByFullRecomputation() throws Exception {
        Path dir = Fixtures.path("tiny-llama");
        try (LlamaForCausalLM m = LlamaForCausalLM.load(dir)) {
            int steps = 8, v = m.config().vocabSize();
            int[] cached = m.generateGreedy(PROMPT, steps, -1);
            assertThat(cached).hasSize(steps);

            int[] seq = PROMPT.clone();
            int[] expected = new int[steps];
            for (int i = 0; i < steps; i++) {
                try (Scope s = Scope.open()) {
                    float[] logits = m.forwardIds(Tensor.ofInts(seq, 1, seq.length), null).toFloatArray();
                    int best = 0, base = (seq.length - 1) * v;
                    for (int j = 1; j < v; j++) if (logits[base + j] > logits[base + best]) best = j;
                    expected[i] = best;
                    seq = Arrays.copyOf(seq, seq.length + 1);
                    seq[seq.length - 1] = best;
                }
            }
            assertThat(cached).containsExactly(expected);

            // stopping at an end token: it is included and nothing follows
            int[] stopped = m.generateGreedy(PROMPT, steps, expected[2]);
            assertThat(stopped).containsExactly(Arrays.copyOf(expected, 3));
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

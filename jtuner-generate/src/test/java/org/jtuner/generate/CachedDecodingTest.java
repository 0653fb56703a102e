package org.jtuner.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.jtuner.vision.PixelValues;
import org.junit.jupiter.api.Test;

/**
 * Batched prefill + key/value-cache greedy decoding picks, token for token, what recomputing the whole left-padded
 * batch without a cache at every step picks (the reference below: a plain forward of prompt + tokens so far, with
 * transformers' mask and position ids, arg-max of each row's last logits).
 */
class CachedDecodingTest {
    static final int STEPS = 10;

    @Test
    void tinyQwen2BatchedLeftPaddedEqualsRecomputation() throws Exception {
        // tiny-qwen2 repeats one token under plain greedy; a strong repetition penalty (applied by the reference too) makes rows move
        languageModelCase("tiny-qwen2", 20.0);
    }

    @Test
    void tinyLlamaBatchedLeftPaddedEqualsRecomputation() throws Exception {
        languageModelCase("tiny-llama", 1.0);
    }

    private void languageModelCase(String fixture, double penalty) throws Exception {
        GenerationConfig greedy = new GenerationConfig(STEPS, false, 1, 0, 1, penalty, 0, List.of(), List.of());
        try (LlamaForCausalLM m = LlamaForCausalLM.load(Fixtures.path(fixture))) {
            List<int[]> prompts = List.of(new int[] {1, 17, 250, 33, 5, 99, 140}, new int[] {7, 8, 9}, new int[] {42, 3, 3, 200, 11});
            Generator g = new Generator(GenerationModel.of(m), null);
            List<Generation> cached = g.generate(prompts.stream().map(Prompt::text).toList(),
                    greedy, TextListener.NONE);
            int[][] expected = recompute(prompts, (ids, pixels) -> m.embedTokens().forward(ids), m, Integer.MIN_VALUE, penalty);
            for (int r = 0; r < prompts.size(); r++) {
                System.out.println(fixture + " row " + r + ": " + Arrays.toString(expected[r]));
                assertThat(cached.get(r).tokens()).as("row %d", r).containsExactly(expected[r]);
                assertThat(cached.get(r).finishReason()).isEqualTo(FinishReason.LENGTH);
                // alone, without padding, the row decodes the same tokens
                assertThat(g.generate(Prompt.text(prompts.get(r)), greedy, TextListener.NONE).tokens())
                        .as("row %d alone", r).containsExactly(expected[r]);
            }
            // an end token stops a row where it first appears, and is kept in the tokens
            int row = -1, at = -1;
            for (int r = 0; r < expected.length && row < 0; r++) {
                for (int k = 1; k < STEPS && row < 0; k++) {
                    int id = expected[r][k];
                    if (Arrays.stream(expected[r], 0, k).noneMatch(x -> x == id)) { row = r; at = k; }
                }
            }
            assertThat(row).as("some row changes token").isNotNegative();
            List<Generation> stopped = g.generate(prompts.stream().map(Prompt::text).toList(),
                    new GenerationConfig(STEPS, false, 1, 0, 1, penalty, 0, List.of(expected[row][at]), List.of()), TextListener.NONE);
            assertThat(stopped.get(row).tokens()).containsExactly(Arrays.copyOf(expected[row], at + 1));
            assertThat(stopped.get(row).finishReason()).isEqualTo(FinishReason.STOP);
        }
    }

    @Test
    void tinyLlavaImageAndTextOnlyRowsEqualRecomputation() throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        try (LlavaForConditionalGeneration m = LlavaForConditionalGeneration.load(dir);
             SafetensorsFile ref = SafetensorsFile.open(dir.resolve("reference.safetensors"))) {
            long[] ids = ref.readLongs("input_ids"), mask = ref.readLongs("attention_mask");
            int t = ids.length / 2;
            List<int[]> rows = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                List<Integer> valid = new ArrayList<>();
                for (int j = 0; j < t; j++) if (mask[r * t + j] == 1) valid.add((int) ids[r * t + j]);
                rows.add(valid.stream().mapToInt(Integer::intValue).toArray());
            }
            assertThat(rows.get(0)).contains(m.imageTokenIndex());
            assertThat(rows.get(1)).doesNotContain(m.imageTokenIndex());
            assertThat(rows.get(1).length).isLessThan(rows.get(0).length); // the text-only row is left-padded
            PixelValues image = new PixelValues(32, 32, ref.readFloats("pixel_values"));
            // a second image prompt: the text-only row's text after the image row's image tokens (two images in a batch)
            int[] imageTokens = new int[m.tokensPerImage()];
            Arrays.fill(imageTokens, m.imageTokenIndex());
            int[] third = concat(new int[] {rows.get(1)[0]}, imageTokens, Arrays.copyOfRange(rows.get(1), 1, rows.get(1).length));
            List<int[]> prompts = List.of(rows.get(0), rows.get(1), third);
            List<Prompt> batch = List.of(new Prompt(rows.get(0), List.of(image)), Prompt.text(rows.get(1)),
                    new Prompt(third, List.of(image)));
            Generator g = new Generator(GenerationModel.of(m), null);
            List<Generation> cached = g.generate(batch, GenerationConfig.greedy(STEPS, List.of()), TextListener.NONE);
            int[][] expected = recompute(prompts, (in, hasImage) -> {
                int images = 0;
                for (boolean h : hasImage) images += h ? 1 : 0;
                Tensor pixels = images == 0 ? null : org.jtuner.tensor.Ops.concat(0, java.util.Collections.nCopies(images,
                        Tensor.of(image.data(), 1, 3, 32, 32)).toArray(Tensor[]::new));
                return m.inputsEmbeds(in, pixels);
            }, m.languageModel(), m.imageTokenIndex(), 1.0);
            for (int r = 0; r < prompts.size(); r++) {
                assertThat(cached.get(r).tokens()).as("row %d", r).containsExactly(expected[r]);
            }
        }
    }

    /** How the reference makes the embeddings of the padded ids; hasImage says which rows carry the image. */
    interface Embedder {
        Tensor embed(Tensor ids, boolean[] hasImage);
    }

    /** Greedy decoding by a full forward of the whole left-padded batch at every step, no cache. */
    static int[][] recompute(List<int[]> prompts, Embedder embedder, LlamaForCausalLM llm, int imageToken, double penalty) throws Exception {
        int b = prompts.size();
        int[][] seqs = prompts.toArray(int[][]::new);
        int[][] out = new int[b][STEPS];
        int v = llm.config().vocabSize();
        boolean[] hasImage = new boolean[b];
        for (int r = 0; r < b; r++) hasImage[r] = Arrays.stream(seqs[r]).anyMatch(id -> id == imageToken);
        try (AutoCloseable ng = Autograd.noGrad()) {
            for (int step = 0; step < STEPS; step++) {
                int longest = Arrays.stream(seqs).mapToInt(s -> s.length).max().orElseThrow();
                int[] ids = new int[b * longest], mask = new int[b * longest], pos = new int[b * longest];
                for (int r = 0; r < b; r++) {
                    int pad = longest - seqs[r].length;
                    for (int j = 0; j < longest; j++) {
                        ids[r * longest + j] = j < pad ? 0 : seqs[r][j - pad];
                        mask[r * longest + j] = j < pad ? 0 : 1;
                        pos[r * longest + j] = j < pad ? 1 : j - pad;
                    }
                }
                try (Scope s = Scope.open()) {
                    Tensor embeds = embedder.embed(Tensor.ofInts(ids, b, longest), hasImage);
                    float[] logits = llm.forward(embeds, Tensor.ofInts(mask, b, longest), Tensor.ofInts(pos, b, longest)).toFloatArray();
                    for (int r = 0; r < b; r++) {
                        int base = (r * longest + longest - 1) * v, best = 0;
                        double[] row = new double[v];
                        for (int j = 0; j < v; j++) row[j] = logits[base + j];
                        for (int id : Arrays.stream(seqs[r]).distinct().toArray()) { // transformers' repetition penalty
                            if (id >= 0 && id < v && id != imageToken) row[id] = row[id] < 0 ? row[id] * penalty : row[id] / penalty;
                        }
                        for (int j = 1; j < v; j++) if (row[j] > row[best]) best = j;
                        out[r][step] = best;
                        seqs[r] = Arrays.copyOf(seqs[r], seqs[r].length + 1);
                        seqs[r][seqs[r].length - 1] = best;
                    }
                }
            }
        }
        return out;
    }

    static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}

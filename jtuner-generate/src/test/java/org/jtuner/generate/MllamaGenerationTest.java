package org.jtuner.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jtuner.models.mllama.MllamaCrossAttentionMask;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.models.mllama.MllamaTextModel;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.jtuner.vision.Images;
import org.jtuner.vision.mllama.MllamaImageBatch;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.vision.mllama.MllamaProcessorConfig;
import org.jtuner.vision.mllama.TiledImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Llama-3.2-Vision generation on tiny-mllama: batched, left-padded, KV-cache greedy decoding picks, token for token,
 * (1) what transformers 4.47.1's generate picks on the same batch (greedy.json, made by make_reference.py beside it,
 * with and without its cache), and (2) what a full forward of the whole batch without any cache picks at every step
 * (the reference below: vision encoder and projector rerun each step, the cross_attention_mask's last prompt row
 * repeated for each new token, as transformers' {@code _update_model_kwargs_for_generation} does). Batches: two image
 * rows of different lengths with a text-only row (its empty image slot padded), and a text-only batch (the
 * cross-attention layers skipped).
 */
class MllamaGenerationTest {
    static final int STEPS = 10;
    static final GenerationConfig GREEDY = GenerationConfig.greedy(STEPS, List.of());
    static MllamaForConditionalGeneration model;
    static TiledImage image;
    static JsonNode reference;

    @BeforeAll
    static void load() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        model = MllamaForConditionalGeneration.load(dir, false);
        JsonNode kwargs = new ObjectMapper().readTree(dir.resolve("processor").resolve("processor.json").toFile()).get("kwargs");
        image = new MllamaImageProcessor(MllamaProcessorConfig.fromJson(kwargs)).preprocess(Images.read(dir.resolve("row0_image0.png")));
        try (InputStream in = MllamaGenerationTest.class.getResourceAsStream("mllama/greedy.json")) {
            reference = new ObjectMapper().readTree(in);
        }
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    @Test
    void mixedBatchEqualsTransformersAndRecomputation() throws Exception {
        check("mixed");
    }

    @Test
    void textOnlyBatchEqualsTransformersAndRecomputation() throws Exception {
        check("text_only");
    }

    @Test
    void imageTokenCountMustMatchTheImages() {
        Generator g = new Generator(GenerationModel.of(model), null);
        assertThatThrownBy(() -> g.generate(Prompt.text(new int[] {310, 320, 5}), GREEDY, TextListener.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 <|image|> token(s)")
                .hasMessageContaining("0 image(s)");
    }

    private void check(String batch) throws Exception {
        JsonNode entry = reference.get(batch);
        List<int[]> prompts = new ArrayList<>();
        for (JsonNode p : entry.get("prompts")) prompts.add(ints(p));
        List<Prompt> inputs = prompts.stream().map(p -> Prompt.tiled(p, images(p))).toList();
        List<Generation> cached = new Generator(GenerationModel.of(model), null).generate(inputs, GREEDY, TextListener.NONE);
        int[][] recomputed = recompute(prompts);
        for (int r = 0; r < prompts.size(); r++) {
            System.out.println("tiny-mllama " + batch + " row " + r + ": " + Arrays.toString(cached.get(r).tokens()));
            assertThat(cached.get(r).tokens()).as("%s row %d vs transformers' generate", batch, r)
                    .containsExactly(ints(entry.get("cached").get(r)));
            assertThat(ints(entry.get("uncached").get(r))).containsExactly(ints(entry.get("cached").get(r)));
            assertThat(cached.get(r).tokens()).as("%s row %d vs recomputation", batch, r).containsExactly(recomputed[r]);
        }
    }

    private static List<TiledImage> images(int[] ids) {
        return Arrays.stream(ids).filter(id -> id == model.config().imageTokenIndex()).mapToObj(id -> image).toList();
    }

    /** Greedy decoding by a full forward of the whole left-padded batch at every step, no cache. */
    private static int[][] recompute(List<int[]> prompts) throws Exception {
        int b = prompts.size(), imageId = model.config().imageTokenIndex(), tiles = model.config().maxNumTiles();
        int tile = model.config().visionConfig().imageSize(), v = model.config().textConfig().vocabSize();
        int pad = model.config().textConfig().llama().padTokenId().orElseThrow();
        int promptWidth = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        boolean anyImage = prompts.stream().anyMatch(p -> Arrays.stream(p).anyMatch(id -> id == imageId));
        // The processor's cross_attention_mask of the left-padded prompts: from a row's <|image|> on, its image's tiles.
        int[] promptCross = new int[b * promptWidth * tiles];
        for (int r = 0; r < b; r++) {
            int offset = promptWidth - prompts.get(r).length;
            int at = Arrays.stream(prompts.get(r)).boxed().toList().indexOf(imageId);
            if (at < 0) continue;
            for (int j = offset + at; j < promptWidth; j++) for (int t = 0; t < image.numTiles(); t++) promptCross[(r * promptWidth + j) * tiles + t] = 1;
        }
        MllamaImageBatch pixels = MllamaImageBatch.pack(prompts.stream().map(MllamaGenerationTest::images).toList(), tiles, tile);
        int[][] seqs = prompts.toArray(int[][]::new);
        int[][] out = new int[b][STEPS];
        MllamaTextModel text = model.languageModel().model();
        try (AutoCloseable ng = Autograd.noGrad()) {
            for (int step = 0; step < STEPS; step++) {
                int longest = promptWidth + step;
                int[] ids = new int[b * longest], mask = new int[b * longest], pos = new int[b * longest];
                int[] cross = new int[b * longest * tiles];
                for (int r = 0; r < b; r++) {
                    int offset = promptWidth - prompts.get(r).length;
                    for (int j = 0; j < longest; j++) {
                        ids[r * longest + j] = j < offset ? pad : seqs[r][j - offset];
                        mask[r * longest + j] = j < offset ? 0 : 1;
                        pos[r * longest + j] = j < offset ? 1 : j - offset;
                        int from = Math.min(j, promptWidth - 1); // new tokens repeat the last prompt row
                        System.arraycopy(promptCross, (r * promptWidth + from) * tiles, cross, (r * longest + j) * tiles, tiles);
                    }
                }
                try (Scope s = Scope.open()) {
                    Tensor vision = null;
                    MllamaCrossAttentionMask xmask = null;
                    if (anyImage) {
                        vision = model.crossAttentionStates(Tensor.of(pixels.pixelValues(), b, 1, tiles, 3, tile, tile),
                                Tensor.ofInts(toInts(pixels.aspectRatioIds()), b, 1), Tensor.ofInts(toInts(pixels.aspectRatioMask()), b, 1, tiles));
                        xmask = MllamaCrossAttentionMask.of(Tensor.ofInts(cross, b, longest, 1, tiles), model.config().tokensPerTile());
                    }
                    Tensor hidden = text.forward(text.embed(Tensor.ofInts(ids, b, longest)), Tensor.ofInts(mask, b, longest),
                            Tensor.ofInts(pos, b, longest), vision, xmask, null);
                    float[] logits = model.languageModel().lmHead().forward(hidden).toFloatArray();
                    for (int r = 0; r < b; r++) {
                        int base = (r * longest + longest - 1) * v, best = 0;
                        for (int k = 1; k < v; k++) if (logits[base + k] > logits[base + best]) best = k;
                        out[r][step] = best;
                        seqs[r] = Arrays.copyOf(seqs[r], seqs[r].length + 1);
                        seqs[r][seqs[r].length - 1] = best;
                    }
                }
            }
        }
        return out;
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).asInt();
        return out;
    }

    private static int[] toInts(long[] v) {
        return Arrays.stream(v).mapToInt(Math::toIntExact).toArray();
    }
}

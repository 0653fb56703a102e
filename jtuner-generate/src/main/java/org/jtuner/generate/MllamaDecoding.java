package org.jtuner.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.models.llama.KvCache;
import org.jtuner.models.mllama.MllamaConfig;
import org.jtuner.models.mllama.MllamaCrossAttentionMask;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.models.mllama.MllamaTextModel;
import org.jtuner.tensor.Tensor;
import org.jtuner.vision.mllama.CrossAttentionMask;
import org.jtuner.vision.mllama.MllamaImageBatch;
import org.jtuner.vision.mllama.TiledImage;

/**
 * Decoding for Llama-3.2-Vision as transformers 4.47.1's generate does it: the prefill runs the vision encoder and
 * projector once (the cross-attention layers keep the images' keys and values), the rows' images packed as the
 * processor packs a batch (a text-only row in a batch with images gets empty slots and an all-zero
 * cross_attention_mask); each decoding step's cross_attention_mask is the prompt's last row
 * ({@code _update_model_kwargs_for_generation} repeats it). A batch without images skips the cross-attention layers.
 */
final class MllamaDecoding implements Decoding {
    private final MllamaForConditionalGeneration model;
    private final MllamaTextModel text;
    private final KvCache[] cache;
    private int[] lastCrossRow; // [B, 1, images, tiles] row-major, null without images
    private int images;

    MllamaDecoding(MllamaForConditionalGeneration model) {
        this.model = model;
        this.text = model.languageModel().model();
        this.cache = text.newCache();
    }

    @Override
    public float[][] prefill(List<Prompt> prompts, int longest, int[] mask, int[] positions) {
        MllamaConfig config = model.config();
        int b = prompts.size();
        int pad = config.textConfig().llama().padTokenId().orElse(0);
        int[] ids = new int[b * longest];
        long[][] idRows = new long[b][longest];
        List<List<TiledImage>> tiled = new ArrayList<>(b);
        boolean anyImage = false;
        for (int r = 0; r < b; r++) {
            Prompt p = prompts.get(r);
            requireTiledImages(p, r, config.imageTokenIndex());
            int offset = longest - p.ids().length;
            Arrays.fill(ids, r * longest, r * longest + offset, pad);
            System.arraycopy(p.ids(), 0, ids, r * longest + offset, p.ids().length);
            for (int j = 0; j < longest; j++) idRows[r][j] = ids[r * longest + j];
            tiled.add(p.tiledImages());
            anyImage |= !p.tiledImages().isEmpty();
        }
        Tensor embeds = text.embed(Tensor.ofInts(ids, b, longest));
        Tensor vision = null;
        MllamaCrossAttentionMask crossMask = null;
        if (anyImage) {
            int maxTiles = config.maxNumTiles(), tile = config.visionConfig().imageSize();
            MllamaImageBatch batch = MllamaImageBatch.pack(tiled, maxTiles, tileOf(tiled, maxTiles, tile));
            images = batch.maxImages();
            vision = model.crossAttentionStates(
                    Tensor.of(batch.pixelValues(), b, images, maxTiles, 3, tile, tile),
                    Tensor.ofInts(toInts(batch.aspectRatioIds()), b, images),
                    Tensor.ofInts(toInts(batch.aspectRatioMask()), b, images, maxTiles));
            int[][] numTiles = new int[b][];
            for (int r = 0; r < b; r++) numTiles[r] = Arrays.copyOfRange(batch.numTiles(), r * images, (r + 1) * images);
            int[] dense = toInts(CrossAttentionMask.dense(idRows, numTiles, config.imageTokenIndex(), maxTiles));
            int row = images * maxTiles;
            lastCrossRow = new int[b * row];
            for (int r = 0; r < b; r++) System.arraycopy(dense, (r * longest + longest - 1) * row, lastCrossRow, r * row, row);
            crossMask = MllamaCrossAttentionMask.of(Tensor.ofInts(dense, b, longest, images, maxTiles), config.tokensPerTile());
        }
        return lastLogits(embeds, Tensor.ofInts(mask, b, longest), Tensor.ofInts(positions, b, longest), vision, crossMask);
    }

    @Override
    public float[][] step(int[] next, int[] mask, int width, int[] positions) {
        int b = next.length;
        Tensor embeds = text.embed(Tensor.ofInts(next, b, 1));
        MllamaCrossAttentionMask crossMask = lastCrossRow == null ? null : MllamaCrossAttentionMask.of(
                Tensor.ofInts(lastCrossRow, b, 1, images, model.config().maxNumTiles()), model.config().tokensPerTile());
        return lastLogits(embeds, Tensor.ofInts(mask, b, width), Tensor.ofInts(positions, b, 1), null, crossMask);
    }

    private float[][] lastLogits(Tensor embeds, Tensor mask, Tensor positions, Tensor vision, MllamaCrossAttentionMask crossMask) {
        Tensor hidden = text.forward(embeds, mask, positions, vision, crossMask, cache);
        int b = hidden.shape()[0], t = hidden.shape()[1];
        return Decoding.lastRows(model.languageModel().lmHead().forward(hidden.slice(1, t - 1, t)).toFloatArray(), b);
    }

    /** transformers' processor refuses a prompt whose {@code <|image|>} count differs from its image count. */
    private static void requireTiledImages(Prompt p, int row, int imageTokenId) {
        if (!p.images().isEmpty()) {
            throw new IllegalArgumentException("prompt " + row + ": an mllama model takes tiled images (Prompt.tiled, "
                    + "from its MllamaImageProcessor), not " + p.images().size() + " LLaVA pixel image(s)");
        }
        long tokens = Arrays.stream(p.ids()).filter(id -> id == imageTokenId).count();
        if (tokens != p.tiledImages().size()) {
            throw new IllegalArgumentException("prompt " + row + ": " + tokens + " <|image|> token(s) (id " + imageTokenId
                    + ") but " + p.tiledImages().size() + " image(s); each image needs exactly one <|image|>");
        }
    }

    private static int tileOf(List<List<TiledImage>> tiled, int maxTiles, int tile) {
        for (List<TiledImage> row : tiled) {
            for (TiledImage image : row) {
                if (image.pixels().length != maxTiles * 3 * tile * tile) {
                    throw new IllegalArgumentException("an image has " + image.pixels().length + " pixel values, the model "
                            + "expects " + maxTiles + " tiles of 3x" + tile + "x" + tile + " (use the model's mllama image "
                            + "processor settings)");
                }
            }
        }
        return tile;
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }

    @Override
    public void close() {
        KvCache.closeAll(cache);
    }
}

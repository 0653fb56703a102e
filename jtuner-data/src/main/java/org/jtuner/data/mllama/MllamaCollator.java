package org.jtuner.data.mllama;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.data.EncodedSample;
import org.jtuner.data.SourceRef;
import org.jtuner.vision.mllama.CrossAttentionMask;
import org.jtuner.vision.mllama.MllamaImageBatch;
import org.jtuner.vision.mllama.TiledImage;

/**
 * Collates mllama rows: ids right-padded with the pad id, labels with -100, the attention mask from the true lengths;
 * the rows' tiled images packed as transformers packs them, a row with fewer images (a text-only row in a mixed
 * batch) padded as the image processor pads a missing image (pixels 0, aspect_ratio_id 0, aspect_ratio_mask
 * [1, 0, ...]) and given an all-zero cross_attention_mask in those slots — the layout of tiny-mllama's row 1. A batch
 * without any image carries no pixels at all.
 */
public final class MllamaCollator {
    private final int padTokenId;
    private final int imageTokenId;
    private final int maxTiles;
    private final int tileSize;

    /** {@code imageTokenId}: the config's {@code image_token_index} ({@code <|image|>}, 128256 for Llama 3.2). */
    public MllamaCollator(int padTokenId, int imageTokenId, int maxTiles, int tileSize) {
        this.padTokenId = padTokenId;
        this.imageTokenId = imageTokenId;
        this.maxTiles = maxTiles;
        this.tileSize = tileSize;
    }

    /** One row: the encoded sample (one {@code <|image|>} token per image, not expanded) and its tiled images. */
    public record Row(EncodedSample sample, List<TiledImage> images) {
        public Row {
            images = List.copyOf(images);
        }
    }

    public MllamaBatch collate(List<Row> rows) {
        int n = rows.size();
        int seqLen = 0;
        boolean anyImage = false;
        for (Row r : rows) {
            seqLen = Math.max(seqLen, r.sample().length());
            anyImage |= !r.images().isEmpty();
            requireOneTokenPerImage(r);
        }
        int[] ids = new int[n * seqLen];
        int[] labels = new int[n * seqLen];
        int[] mask = new int[n * seqLen];
        int[] lengths = new int[n];
        List<SourceRef> sources = new ArrayList<>(n);
        Arrays.fill(ids, padTokenId);
        Arrays.fill(labels, EncodedSample.IGNORE_INDEX);
        long[][] idRows = new long[n][seqLen];
        for (int b = 0; b < n; b++) {
            EncodedSample s = rows.get(b).sample();
            int len = s.length();
            System.arraycopy(s.inputIds(), 0, ids, b * seqLen, len);
            System.arraycopy(s.labels(), 0, labels, b * seqLen, len);
            Arrays.fill(mask, b * seqLen, b * seqLen + len, 1);
            for (int t = 0; t < seqLen; t++) idRows[b][t] = ids[b * seqLen + t];
            lengths[b] = len;
            sources.add(s.source());
        }
        if (!anyImage) return new MllamaBatch(List.copyOf(sources), n, seqLen, ids, labels, mask, lengths, null, null);

        MllamaImageBatch images = MllamaImageBatch.pack(rows.stream().map(Row::images).toList(), maxTiles, tileSize);
        int[][] numTiles = new int[n][];
        for (int b = 0; b < n; b++) {
            numTiles[b] = Arrays.copyOfRange(images.numTiles(), b * images.maxImages(), (b + 1) * images.maxImages());
        }
        long[] cross = CrossAttentionMask.dense(idRows, numTiles, imageTokenId, maxTiles);
        return new MllamaBatch(List.copyOf(sources), n, seqLen, ids, labels, mask, lengths, images, cross);
    }

    /** transformers' MllamaProcessor refuses a sample whose {@code <|image|>} count differs from its image count. */
    private void requireOneTokenPerImage(Row r) {
        int tokens = 0;
        for (int id : r.sample().inputIds()) if (id == imageTokenId) tokens++;
        if (tokens != r.images().size()) {
            throw new IllegalArgumentException(r.sample().source() + ": " + tokens + " <|image|> token(s) (id "
                    + imageTokenId + ") but " + r.images().size() + " image(s); each image needs exactly one "
                    + "<|image|> in the text (was it cut off by max_length?)");
        }
        for (TiledImage image : r.images()) {
            if (image.pixels().length != maxTiles * 3 * tileSize * tileSize) {
                throw new IllegalArgumentException(r.sample().source() + ": an image has " + image.pixels().length
                        + " pixel values, the collator expects " + maxTiles + " tiles of 3x" + tileSize + "x" + tileSize
                        + " (use the model's mllama image processor settings)");
            }
        }
    }
}

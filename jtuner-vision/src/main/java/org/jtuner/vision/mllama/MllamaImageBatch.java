package org.jtuner.vision.mllama;

import java.util.List;

/**
 * A batch of tiled images as transformers packs them: {@code pixel_values}
 * {@code [batch, max_images, max_tiles, 3, tile, tile]}, {@code aspect_ratio_ids} {@code [batch, max_images]},
 * {@code aspect_ratio_mask} {@code [batch, max_images, max_tiles]}, {@code num_tiles} {@code [batch, max_images]}
 * (0 for an empty slot). All flat, row-major.
 */
public record MllamaImageBatch(int batchSize, int maxImages, int maxTiles, int tileSize, float[] pixelValues,
                               long[] aspectRatioIds, long[] aspectRatioMask, int[] numTiles) {

    /** Packs already tiled images, one list per sample (an empty list pads that sample's slots). */
    public static MllamaImageBatch pack(List<List<TiledImage>> samples, int maxTiles, int tileSize) {
        int batch = samples.size();
        int maxImages = Math.max(1, samples.stream().mapToInt(List::size).max().orElse(0));
        int imageFloats = maxTiles * 3 * tileSize * tileSize;
        float[] pixels = new float[batch * maxImages * imageFloats];
        long[] ids = new long[batch * maxImages];
        long[] mask = new long[batch * maxImages * maxTiles];
        int[] numTiles = new int[batch * maxImages];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < maxImages; i++) {
                int slot = b * maxImages + i;
                // transformers sets tile 0 of every slot, empty ones too (its build_aspect_ratio_mask).
                mask[slot * maxTiles] = 1;
                if (i >= samples.get(b).size()) continue;
                TiledImage image = samples.get(b).get(i);
                System.arraycopy(image.pixels(), 0, pixels, slot * imageFloats, imageFloats);
                ids[slot] = TiledCanvas.aspectRatioId(image.arrangement(), maxTiles);
                for (int t = 0; t < image.numTiles(); t++) mask[slot * maxTiles + t] = 1;
                numTiles[slot] = image.numTiles();
            }
        }
        return new MllamaImageBatch(batch, maxImages, maxTiles, tileSize, pixels, ids, mask, numTiles);
    }
}

package org.jtuner.vision.mllama;

import java.util.List;

import org.jtuner.vision.PillowResize;
import org.jtuner.vision.RgbImage;

/**
 * transformers' {@code MllamaImageProcessor} on its Pillow path: pick the tile canvas, resize with Pillow where the
 * rules say, pad with zeros at the bottom and right to the canvas, rescale, normalise, cut into tiles row-major.
 * Thread-safe and stateless after construction.
 *
 * <p>Arithmetic as numpy does it there: rescale in float64 then rounded to float32
 * ({@code float32(v * factor)}), normalise in float32 ({@code (x - float32(mean)) / float32(std)}). Padding happens
 * before rescaling, so the padded area is {@code -mean/std}, while tiles beyond the image's and empty image slots
 * are exactly 0.
 */
public final class MllamaImageProcessor {
    private final MllamaProcessorConfig config;
    /** {@code lut[c * 256 + v]}: the output value of level v in channel c. */
    private final float[] lut = new float[3 * 256];

    public MllamaImageProcessor(MllamaProcessorConfig config) {
        this.config = config;
        for (int c = 0; c < 3; c++) {
            float mean = (float) config.imageMean()[c];
            float std = (float) config.imageStd()[c];
            for (int v = 0; v < 256; v++) {
                float x = config.doRescale() ? (float) (v * config.rescaleFactor()) : v;
                lut[c * 256 + v] = config.doNormalize() ? (x - mean) / std : x;
            }
        }
    }

    public MllamaProcessorConfig config() {
        return config;
    }

    /** One image as {@code [max_image_tiles, 3, tile, tile]} floats with its arrangement. */
    public TiledImage preprocess(RgbImage image) {
        int tile = config.tileSize();
        TiledCanvas.Arrangement canvas = TiledCanvas.optimalCanvas(image.height(), image.width(), config.maxImageTiles(), tile);
        int[] hw = TiledCanvas.fitToCanvas(image.height(), image.width(), canvas.high() * tile, canvas.wide() * tile, tile);
        // Pillow's resize to the image's own size is a copy; skip it.
        RgbImage resized = (hw[0] == image.height() && hw[1] == image.width())
                ? image : PillowResize.resize(image, hw[1], hw[0], config.resample());
        return new TiledImage(canvas, hw[0], hw[1], tiles(resized, canvas));
    }

    /**
     * A batch, each sample with its images (a sample may have none: its slot is padded as transformers pads a
     * missing image, pixels 0, {@code aspect_ratio_id} 0, {@code aspect_ratio_mask} [1, 0, ...]).
     */
    public MllamaImageBatch preprocessBatch(List<List<RgbImage>> samples) {
        List<List<TiledImage>> tiled = samples.stream().map(s -> s.stream().map(this::preprocess).toList()).toList();
        return MllamaImageBatch.pack(tiled, config.maxImageTiles(), config.tileSize());
    }

    private float[] tiles(RgbImage image, TiledCanvas.Arrangement canvas) {
        int tile = config.tileSize();
        int plane = tile * tile;
        float[] out = new float[config.maxImageTiles() * 3 * plane];
        byte[] rgb = image.rgb();
        for (int ty = 0; ty < canvas.high(); ty++) {
            for (int tx = 0; tx < canvas.wide(); tx++) {
                int base = (ty * canvas.wide() + tx) * 3 * plane;
                for (int y = 0; y < tile; y++) {
                    int sy = ty * tile + y;
                    for (int x = 0; x < tile; x++) {
                        int sx = tx * tile + x;
                        boolean inside = sy < image.height() && sx < image.width();
                        int p = inside ? (sy * image.width() + sx) * 3 : -1;
                        int o = base + y * tile + x;
                        for (int c = 0; c < 3; c++) {
                            int level = inside ? rgb[p + c] & 0xff : 0;
                            out[o + c * plane] = lut[c * 256 + level];
                        }
                    }
                }
            }
        }
        return out;
    }
}

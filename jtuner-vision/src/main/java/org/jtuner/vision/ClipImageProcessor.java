package org.jtuner.vision;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code CLIPImageProcessor} on its Pillow path (transformers 4.x, the one LLaVA and XTuner trained with): resize
 * with Pillow on uint8 RGB, centre crop, rescale, normalise, channels first. Thread-safe and stateless after
 * construction, so data-loading workers can share one.
 *
 * <p>The float arithmetic is float32 throughout, as numpy does it in the reference: {@code x = v * float32(factor)},
 * then {@code (x - float32(mean)) / float32(std)}. Since the input is uint8, each channel's 256 possible results
 * are computed once into a table. (transformers' own {@code rescale} multiplies in float64 and rounds to float32,
 * which is {@code v / 255f}; that differs from the float32 product by one ulp for about half of the 256 levels.
 * The reference pixels of this project were made with the float32 product, which is what this class does.)
 */
public final class ClipImageProcessor {
    private final ClipProcessorConfig config;
    /** {@code lut[c * 256 + v]}: the output value of level v in channel c. */
    private final float[] lut;

    public ClipImageProcessor(ClipProcessorConfig config) {
        this.config = config;
        this.lut = levelTable(config);
    }

    /** The CLIP ViT-L/14-336 processor (shortest edge 336, centre crop 336, bicubic, CLIP mean and std). */
    public static ClipImageProcessor defaults() {
        return new ClipImageProcessor(ClipProcessorConfig.clipVitL14_336());
    }

    /** A processor from a Hugging Face {@code preprocessor_config.json}. */
    public static ClipImageProcessor fromConfig(Path preprocessorConfig) throws IOException {
        return new ClipImageProcessor(ClipProcessorConfig.fromFile(preprocessorConfig));
    }

    public ClipProcessorConfig config() {
        return config;
    }

    /** The image as {@code pixel_values} {@code [3, H, W]} (H x W is the crop size when centre-cropping). */
    public PixelValues preprocess(RgbImage image) {
        if (config.doResize()) {
            int[] out = config.size().outputFor(image.width(), image.height());
            image = PillowResize.resize(image, out[0], out[1], config.resample());
        }
        if (!config.doCenterCrop()) return toChannelsFirst(image, image.height(), image.width(), 0, 0);
        int cropH = config.cropHeight();
        int cropW = config.cropWidth();
        // transformers' center_crop: top = (h - crop_h) // 2, left = (w - crop_w) // 2 (floor division; negative
        // when the image is smaller, and the missing rows and columns are zeros).
        int top = Math.floorDiv(image.height() - cropH, 2);
        int left = Math.floorDiv(image.width() - cropW, 2);
        return toChannelsFirst(image, cropH, cropW, top, left);
    }

    /** LLaVA's pad-to-square with this processor's background, {@code int(mean * 255)} per channel. */
    public RgbImage expandToSquare(RgbImage image) {
        return ExpandToSquare.apply(image, ExpandToSquare.backgroundFor(config.imageMean()));
    }

    /** Reads the window {@code [top, top + h) x [left, left + w)} into CHW floats; outside the image is level 0. */
    private PixelValues toChannelsFirst(RgbImage image, int h, int w, int top, int left) {
        float[] out = new float[3 * h * w];
        byte[] rgb = image.rgb();
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            int sy = y + top;
            boolean rowInside = sy >= 0 && sy < image.height();
            for (int x = 0; x < w; x++) {
                int sx = x + left;
                int o = y * w + x;
                if (rowInside && sx >= 0 && sx < image.width()) {
                    int p = (sy * image.width() + sx) * 3;
                    out[o] = lut[rgb[p] & 0xff];
                    out[plane + o] = lut[256 + (rgb[p + 1] & 0xff)];
                    out[2 * plane + o] = lut[512 + (rgb[p + 2] & 0xff)];
                } else {
                    out[o] = lut[0];
                    out[plane + o] = lut[256];
                    out[2 * plane + o] = lut[512];
                }
            }
        }
        return new PixelValues(h, w, out);
    }

    private static float[] levelTable(ClipProcessorConfig config) {
        float[] table = new float[3 * 256];
        float factor = (float) config.rescaleFactor();
        double[] mean = config.imageMean();
        double[] std = config.imageStd();
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            for (int v = 0; v < 256; v++) {
                float x = config.doRescale() ? v * factor : v;
                table[c * 256 + v] = config.doNormalize() ? (x - m) / s : x;
            }
        }
        return table;
    }
}

package org.jtuner.vision;

/**
 * LLaVA's {@code expand2square}: pads an image to a square of side {@code max(w, h)} filled with a background
 * colour, the image pasted at {@code (0, (w - h) // 2)} when wide or {@code ((h - w) // 2, 0)} when tall. LLaVA
 * (and XTuner) call it with {@code tuple(int(x * 255) for x in image_processor.image_mean)} when
 * {@code image_aspect_ratio == "pad"}; a square image is returned as it is.
 */
public final class ExpandToSquare {
    private ExpandToSquare() {}

    /** The pad colour LLaVA derives from the processor's mean: {@code int(m * 255)} per channel, in double. */
    public static int[] backgroundFor(double[] imageMean) {
        if (imageMean.length != 3) throw new IllegalArgumentException("image_mean needs 3 values, got " + imageMean.length);
        int[] rgb = new int[3];
        for (int c = 0; c < 3; c++) rgb[c] = (int) (imageMean[c] * 255);
        return rgb;
    }

    /** The image padded to a square with the background colour {@code {r, g, b}}. */
    public static RgbImage apply(RgbImage image, int[] background) {
        int w = image.width();
        int h = image.height();
        if (w == h) return image;
        int side = Math.max(w, h);
        RgbImage square = RgbImage.filled(side, side, background[0], background[1], background[2]);
        int left = w > h ? 0 : (h - w) / 2;
        int top = w > h ? (w - h) / 2 : 0;
        byte[] src = image.rgb();
        byte[] dst = square.rgb();
        for (int y = 0; y < h; y++) {
            System.arraycopy(src, y * w * 3, dst, ((top + y) * side + left) * 3, w * 3);
        }
        return square;
    }
}

package org.jtuner.vision.augment;

import org.jtuner.vision.PillowResize;
import org.jtuner.vision.ResampleFilter;
import org.jtuner.vision.RgbImage;

/**
 * torchvision 0.14's functional ops on a PIL RGB image (Pillow 9.4), to the bit. torchvision's PIL path calls
 * Pillow: {@code resized_crop} is {@code img.crop(box)} then {@code img.resize(size, BICUBIC)};
 * {@code adjust_brightness / contrast / saturation} are {@code ImageEnhance.Brightness / Contrast / Color}, i.e.
 * {@code Image.blend(degenerate, img, factor)} against a black image, a grey image of the rounded mean luma, and
 * the image's own luma; {@code adjust_hue} converts to HSV, adds {@code uint8(hue·255)} to the hue byte (wrapping)
 * and converts back; {@code hflip} mirrors the columns. Pillow's C arithmetic is reproduced with its own types:
 * blend in single precision with truncation, luma in 16-bit fixed point, the HSV conversions in float and double
 * exactly where Convert.c uses them.
 */
public final class ImageOps {
    private ImageOps() {}

    /** {@code TF.resized_crop(img, top, left, height, width, [size, size], BICUBIC)}. */
    public static RgbImage resizedCrop(RgbImage in, int top, int left, int height, int width, int outHeight, int outWidth) {
        return PillowResize.resize(crop(in, top, left, height, width), outWidth, outHeight, ResampleFilter.BICUBIC);
    }

    /** {@code img.crop((left, top, left + width, top + height))}; outside the image Pillow fills with black. */
    public static RgbImage crop(RgbImage in, int top, int left, int height, int width) {
        if (height <= 0 || width <= 0) throw new IllegalArgumentException("crop size must be positive: " + width + "x" + height);
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            int sy = top + y;
            if (sy < 0 || sy >= in.height()) continue;
            for (int x = 0; x < width; x++) {
                int sx = left + x;
                if (sx < 0 || sx >= in.width()) continue;
                System.arraycopy(in.rgb(), (sy * in.width() + sx) * 3, out, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, out);
    }

    public static RgbImage hflip(RgbImage in) {
        int w = in.width();
        byte[] out = new byte[in.rgb().length];
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < w; x++) System.arraycopy(in.rgb(), (y * w + x) * 3, out, (y * w + (w - 1 - x)) * 3, 3);
        }
        return new RgbImage(w, in.height(), out);
    }

    /** {@code ImageEnhance.Brightness}: blend with black. */
    public static RgbImage brightness(RgbImage in, double factor) {
        return blend(new byte[in.rgb().length], in, factor);
    }

    /** {@code ImageEnhance.Contrast}: blend with the grey of {@code int(mean(L) + 0.5)}. */
    public static RgbImage contrast(RgbImage in, double factor) {
        byte[] rgb = in.rgb();
        long[] histogram = new long[256];
        for (int i = 0; i < rgb.length; i += 3) histogram[luma(rgb, i)]++;
        // ImageStat.mean: sum(i * h[i]) / n in Python floats
        double sum = 0;
        for (int i = 0; i < 256; i++) sum += (double) i * histogram[i];
        int mean = (int) (sum / (rgb.length / 3) + 0.5);
        byte[] grey = new byte[rgb.length];
        java.util.Arrays.fill(grey, (byte) mean);
        return blend(grey, in, factor);
    }

    /** {@code ImageEnhance.Color}: blend with the image's luma ({@code convert("L").convert("RGB")}). */
    public static RgbImage saturation(RgbImage in, double factor) {
        byte[] rgb = in.rgb();
        byte[] grey = new byte[rgb.length];
        for (int i = 0; i < rgb.length; i += 3) {
            byte l = (byte) luma(rgb, i);
            grey[i] = l;
            grey[i + 1] = l;
            grey[i + 2] = l;
        }
        return blend(grey, in, factor);
    }

    /** Pillow's RGB to L: {@code (r·19595 + g·38470 + b·7471 + 0x8000) >> 16}. */
    static int luma(byte[] rgb, int i) {
        return ((rgb[i] & 0xff) * 19595 + (rgb[i + 1] & 0xff) * 38470 + (rgb[i + 2] & 0xff) * 7471 + 0x8000) >> 16;
    }

    /** {@code Image.blend(degenerate, img, alpha)}: libImaging/Blend.c with its float alpha. */
    static RgbImage blend(byte[] degenerate, RgbImage in, double factor) {
        float alpha = (float) factor;
        byte[] src = in.rgb(), out = new byte[src.length];
        boolean interpolate = alpha >= 0 && alpha <= 1.0;
        for (int i = 0; i < src.length; i++) {
            int a = degenerate[i] & 0xff, b = src[i] & 0xff;
            float v = a + alpha * (b - a);
            if (interpolate) {
                out[i] = (byte) (int) v;
            } else {
                out[i] = (byte) (v <= 0f ? 0 : v >= 255f ? 255 : (int) v);
            }
        }
        return new RgbImage(in.width(), in.height(), out);
    }

    /** {@code TF.adjust_hue(img, factor)} for factor in [-0.5, 0.5]. */
    public static RgbImage hue(RgbImage in, double factor) {
        if (factor < -0.5 || factor > 0.5) throw new IllegalArgumentException("hue factor must be in [-0.5, 0.5], got " + factor);
        // np.uint8(hue_factor * 255): the float truncates toward zero, then wraps modulo 256
        int shift = ((int) (factor * 255)) & 0xff;
        byte[] src = in.rgb(), out = new byte[src.length];
        int[] hsv = new int[3];
        for (int i = 0; i < src.length; i += 3) {
            rgbToHsv(src[i] & 0xff, src[i + 1] & 0xff, src[i + 2] & 0xff, hsv);
            hsvToRgb((hsv[0] + shift) & 0xff, hsv[1], hsv[2], out, i);
        }
        return new RgbImage(in.width(), in.height(), out);
    }

    /** Convert.c {@code rgb2hsv_row}, with its float variables and double constants. */
    static void rgbToHsv(int r, int g, int b, int[] hsv) {
        int maxc = Math.max(r, Math.max(g, b)), minc = Math.min(r, Math.min(g, b));
        hsv[2] = maxc;
        if (minc == maxc) {
            hsv[0] = 0;
            hsv[1] = 0;
            return;
        }
        float cr = (float) (maxc - minc);
        float s = cr / (float) maxc;
        float rc = (float) (maxc - r) / cr, gc = (float) (maxc - g) / cr, bc = (float) (maxc - b) / cr;
        float h;
        if (r == maxc) h = bc - gc;
        else if (g == maxc) h = (float) (2.0 + rc - bc);
        else h = (float) (4.0 + gc - rc);
        h = (float) cFmod(h / 6.0 + 1.0, 1.0);
        hsv[0] = clip8((int) (h * 255.0));
        hsv[1] = clip8((int) (s * 255.0));
    }

    /** C's fmod for positive operands (Java's % on doubles is the same IEEE remainder-by-truncation). */
    private static double cFmod(double a, double b) {
        return a % b;
    }

    /** Convert.c {@code hsv2rgb}. */
    static void hsvToRgb(int h, int s, int v, byte[] out, int at) {
        if (s == 0) {
            out[at] = out[at + 1] = out[at + 2] = (byte) v;
            return;
        }
        int i = (int) Math.floor((float) h * 6.0 / 255.0);
        float f = (float) ((float) h * 6.0 / 255.0 - (float) i);
        float fs = (float) (((float) s) / 255.0);
        int p = clip8((int) cRound((float) v * (1.0 - fs)));
        int q = clip8((int) cRound((float) v * (1.0 - fs * f)));
        int t = clip8((int) cRound((float) v * (1.0 - fs * (1.0 - f))));
        int r, g, b;
        switch (i % 6) {
            case 0 -> { r = v; g = t; b = p; }
            case 1 -> { r = q; g = v; b = p; }
            case 2 -> { r = p; g = v; b = t; }
            case 3 -> { r = p; g = q; b = v; }
            case 4 -> { r = t; g = p; b = v; }
            default -> { r = v; g = p; b = q; }
        }
        out[at] = (byte) r;
        out[at + 1] = (byte) g;
        out[at + 2] = (byte) b;
    }

    /** C's round(): half away from zero (Math.round rounds half up, which differs for negatives). */
    private static double cRound(double x) {
        return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }
}

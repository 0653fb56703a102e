package org.jtuner.vision;

/**
 * Pillow's convolution filters for {@code Image.resize}, with the numbers Pillow and Hugging Face configs use for
 * them ({@code "resample": 3} is BICUBIC). The kernels are those of Pillow's {@code libImaging/Resample.c}, in
 * double precision as there. NEAREST (0) is a different algorithm in Pillow (an affine transform, not a
 * convolution) and is not offered.
 */
public enum ResampleFilter {
    LANCZOS(1, 3.0),
    BILINEAR(2, 1.0),
    BICUBIC(3, 2.0),
    BOX(4, 0.5),
    HAMMING(5, 1.0);

    /** Pillow's {@code Image.Resampling} value. */
    public final int pillowCode;
    /** Half-width of the kernel at scale 1, in input pixels. */
    final double support;

    ResampleFilter(int pillowCode, double support) {
        this.pillowCode = pillowCode;
        this.support = support;
    }

    /** The filter for a Pillow resample number, as found in {@code preprocessor_config.json}. */
    public static ResampleFilter fromPillowCode(int code) {
        for (ResampleFilter f : values()) if (f.pillowCode == code) return f;
        if (code == 0) throw new IllegalArgumentException("resample 0 (NEAREST) is not supported; use 1..5 (LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING)");
        throw new IllegalArgumentException("unknown Pillow resample filter " + code + "; expected 1..5 (LANCZOS, BILINEAR, BICUBIC, BOX, HAMMING)");
    }

    /** The kernel's weight at distance x (in kernel units). Same expressions, same order of operations as Pillow. */
    double weight(double x) {
        return switch (this) {
            case BOX -> (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
            case BILINEAR -> {
                if (x < 0.0) x = -x;
                yield x < 1.0 ? 1.0 - x : 0.0;
            }
            case BICUBIC -> {
                // Keys' cubic convolution with a = -0.5.
                final double a = -0.5;
                if (x < 0.0) x = -x;
                if (x < 1.0) yield ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
                if (x < 2.0) yield (((x - 5) * x + 8) * x - 4) * a;
                yield 0.0;
            }
            case HAMMING -> {
                if (x < 0.0) x = -x;
                if (x == 0.0) yield 1.0;
                if (x >= 1.0) yield 0.0;
                x = x * Math.PI;
                // Pillow writes the constants as C floats (0.54f, 0.46f); keep them float.
                yield Math.sin(x) / x * (0.54f + 0.46f * Math.cos(x));
            }
            case LANCZOS -> (-3.0 <= x && x < 3.0) ? sinc(x) * sinc(x / 3) : 0.0;
        };
    }

    private static double sinc(double x) {
        if (x == 0.0) return 1.0;
        x = x * Math.PI;
        return Math.sin(x) / x;
    }
}

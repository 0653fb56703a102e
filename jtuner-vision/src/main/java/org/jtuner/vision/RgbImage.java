package org.jtuner.vision;

import java.util.Objects;

/**
 * An 8-bit RGB image, pixels interleaved row by row ({@code r, g, b, r, g, b, ...}), as Pillow holds an image of
 * mode "RGB" and numpy sees it after {@code np.asarray(image)} ({@code [height, width, 3]} uint8).
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0) throw new IllegalArgumentException("image size must be positive: " + width + "x" + height);
        if (rgb.length != (long) width * height * 3) {
            throw new IllegalArgumentException("a " + width + "x" + height + " RGB image needs " + (long) width * height * 3 + " bytes, got " + rgb.length);
        }
    }

    /** A new image of this size filled with one colour (each component 0..255). */
    public static RgbImage filled(int width, int height, int r, int g, int b) {
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) r;
            rgb[i + 1] = (byte) g;
            rgb[i + 2] = (byte) b;
        }
        return new RgbImage(width, height, rgb);
    }

    /** Component {@code c} (0 = red, 1 = green, 2 = blue) of the pixel at column x, row y, as 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Equal when size and every pixel are equal (a record would compare the array by identity). */
    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage other && width == other.width && height == other.height
                && java.util.Arrays.equals(rgb, other.rgb);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + java.util.Arrays.hashCode(rgb);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}

package org.jtuner.vision;

/**
 * A preprocessed image: float32, channels first ({@code [3, height, width]}, red plane, then green, then blue),
 * what {@code CLIPImageProcessor} returns as {@code pixel_values[i]}.
 */
public record PixelValues(int height, int width, float[] data) {
    public static final int CHANNELS = 3;

    public PixelValues {
        if (data.length != CHANNELS * height * width) {
            throw new IllegalArgumentException("[3, " + height + ", " + width + "] needs " + CHANNELS * height * width + " floats, got " + data.length);
        }
    }

    /** The value at channel c, row y, column x. */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** {@code {3, height, width}}. */
    public int[] shape() {
        return new int[] {CHANNELS, height, width};
    }
}

package org.jtuner.vision;

/**
 * {@code Image.resize((w, h), filter)} of Pillow 9.4 on an RGB image, to the bit: a port of the 8-bit path of
 * {@code libImaging/Resample.c}.
 *
 * <p>What makes it exact: a separable convolution, horizontal pass first (only over the rows the vertical pass
 * will read), then vertical; a pass is skipped when its size does not change; the kernel's support grows with the
 * downscale factor; per output pixel the weights are computed in double, normalised to sum 1, then turned into
 * fixed-point integers with 22 fractional bits ({@code PRECISION_BITS = 32 - 8 - 2}); sums are 32-bit integers
 * starting at one half, and every pass rounds and clips to uint8. The bicubic, bilinear and box kernels are plain
 * arithmetic and match bit for bit; Hamming and Lanczos use sin/cos, where Java's and the C library's last bit
 * may differ, which moves a 22-bit coefficient only in rare ties.
 *
 * <p>Coefficients are computed once per output column and once per output row; the passes allocate nothing per
 * pixel. Pillow's {@code box} argument (resizing a sub-rectangle) is not offered: the whole image is resized.
 */
public final class PillowResize {
    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private PillowResize() {}

    /** The image resized to {@code outWidth x outHeight} with the given filter, as Pillow 9.4 does it. */
    public static RgbImage resize(RgbImage in, int outWidth, int outHeight, ResampleFilter filter) {
        if (outWidth <= 0 || outHeight <= 0) throw new IllegalArgumentException("target size must be positive: " + outWidth + "x" + outHeight);
        boolean needHorizontal = outWidth != in.width();
        boolean needVertical = outHeight != in.height();
        if (!needHorizontal && !needVertical) return new RgbImage(in.width(), in.height(), in.rgb().clone());

        Coefficients horizontal = Coefficients.of(in.width(), outWidth, filter);
        Coefficients vertical = Coefficients.of(in.height(), outHeight, filter);

        RgbImage image = in;
        int[] verticalBounds = vertical.bounds;
        if (needHorizontal) {
            // Only the input rows the vertical pass reads are resampled horizontally (Pillow's ybox_first/last).
            int firstRow = vertical.bounds[0];
            int lastRow = vertical.bounds[2 * outHeight - 2] + vertical.bounds[2 * outHeight - 1];
            verticalBounds = vertical.bounds.clone();
            for (int i = 0; i < outHeight; i++) verticalBounds[2 * i] -= firstRow;
            image = horizontalPass(in, firstRow, lastRow - firstRow, horizontal);
        }
        if (needVertical) {
            image = verticalPass(image, outHeight, vertical, verticalBounds);
        }
        return image;
    }

    /** Resamples each row of {@code rows} rows starting at {@code firstRow} to the output width. */
    private static RgbImage horizontalPass(RgbImage in, int firstRow, int rows, Coefficients c) {
        int outWidth = c.outSize;
        byte[] src = in.rgb();
        byte[] dst = new byte[outWidth * rows * 3];
        int[] bounds = c.bounds;
        int[] kk = c.kk;
        int ksize = c.ksize;
        int o = 0;
        for (int yy = 0; yy < rows; yy++) {
            int rowStart = (yy + firstRow) * in.width() * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int xmin = bounds[2 * xx];
                int count = bounds[2 * xx + 1];
                int k0 = xx * ksize;
                int s0 = HALF, s1 = HALF, s2 = HALF;
                for (int x = 0, p = rowStart + xmin * 3; x < count; x++, p += 3) {
                    int k = kk[k0 + x];
                    s0 += (src[p] & 0xff) * k;
                    s1 += (src[p + 1] & 0xff) * k;
                    s2 += (src[p + 2] & 0xff) * k;
                }
                dst[o++] = clip8(s0);
                dst[o++] = clip8(s1);
                dst[o++] = clip8(s2);
            }
        }
        return new RgbImage(outWidth, rows, dst);
    }

    /**
     * Resamples columns to the output height. Sums run over whole rows at a time (same terms, same order per
     * pixel as Pillow's loop, so the same integers), which keeps memory access sequential.
     */
    private static RgbImage verticalPass(RgbImage in, int outHeight, Coefficients c, int[] bounds) {
        int rowLength = in.width() * 3;
        byte[] src = in.rgb();
        byte[] dst = new byte[rowLength * outHeight];
        int[] acc = new int[rowLength];
        int[] kk = c.kk;
        int ksize = c.ksize;
        for (int yy = 0; yy < outHeight; yy++) {
            int ymin = bounds[2 * yy];
            int count = bounds[2 * yy + 1];
            java.util.Arrays.fill(acc, HALF);
            for (int y = 0; y < count; y++) {
                int k = kk[yy * ksize + y];
                int rowStart = (ymin + y) * rowLength;
                for (int i = 0; i < rowLength; i++) acc[i] += (src[rowStart + i] & 0xff) * k;
            }
            int outStart = yy * rowLength;
            for (int i = 0; i < rowLength; i++) dst[outStart + i] = clip8(acc[i]);
        }
        return new RgbImage(in.width(), outHeight, dst);
    }

    /** Drops the fixed-point fraction and clamps to 0..255 (Pillow's clip8 lookup table). */
    private static byte clip8(int sum) {
        int v = sum >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    /**
     * Per output index: the first input index, the number of inputs, and their fixed-point weights
     * ({@code ksize} slots per output, unused ones zero). Pillow's {@code precompute_coeffs} followed by
     * {@code normalize_coeffs_8bpc}.
     */
    static final class Coefficients {
        final int outSize;
        final int ksize;
        final int[] bounds;
        final int[] kk;

        private Coefficients(int outSize, int ksize, int[] bounds, int[] kk) {
            this.outSize = outSize;
            this.ksize = ksize;
            this.bounds = bounds;
            this.kk = kk;
        }

        static Coefficients of(int inSize, int outSize, ResampleFilter filter) {
            // Pillow passes the box as C floats: in0 = 0, in1 = inSize.
            float in0 = 0f;
            float in1 = inSize;
            double scale = (double) (in1 - in0) / outSize;
            double filterScale = scale < 1.0 ? 1.0 : scale;
            double support = filter.support * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;

            int[] bounds = new int[outSize * 2];
            int[] kk = new int[Math.multiplyExact(outSize, ksize)];
            double[] k = new double[ksize];
            for (int xx = 0; xx < outSize; xx++) {
                double center = in0 + (xx + 0.5) * scale;
                double ww = 0.0;
                double ss = 1.0 / filterScale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) xmin = 0;
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) xmax = inSize;
                xmax -= xmin;
                for (int x = 0; x < xmax; x++) {
                    double w = filter.weight((x + xmin - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    if (ww != 0.0) k[x] /= ww;
                }
                for (int x = 0; x < xmax; x++) {
                    // Round half away from zero, then truncate, as normalize_coeffs_8bpc does.
                    kk[xx * ksize + x] = k[x] < 0
                            ? (int) (-0.5 + k[x] * (1 << PRECISION_BITS))
                            : (int) (0.5 + k[x] * (1 << PRECISION_BITS));
                }
                bounds[2 * xx] = xmin;
                bounds[2 * xx + 1] = xmax;
            }
            return new Coefficients(outSize, ksize, bounds, kk);
        }
    }
}

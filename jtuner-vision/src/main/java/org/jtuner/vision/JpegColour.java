package org.jtuner.vision;

import java.awt.image.Raster;

/**
 * Colour conversion of a JPEG's decoded (not yet colour-converted) components, as Pillow 9.4 gets them from
 * libjpeg and then converts to RGB.
 *
 * <p>libjpeg decides what the components are from the markers ({@link #guess}); Java's reader decides slightly
 * differently and, through TwelveMonkeys, applies embedded ICC profiles, which Pillow never does. So the components
 * are read raw and converted here: YCbCr with libjpeg's fixed-point tables (bit-exact with libjpeg and
 * libjpeg-turbo), and four-component files as Pillow does it: libjpeg turns YCCK into CMYK, Pillow inverts all four
 * channels (it assumes Adobe's inverted CMYK, {@code "CMYK;I"}) and then converts CMYK to RGB with its plain
 * formula {@code (255 - C) * (255 - K) / 255}, no colour profile.
 */
final class JpegColour {
    /** libjpeg's {@code J_COLOR_SPACE} values that can occur here. */
    enum Space { GRAY, RGB, YCBCR, CMYK, YCCK }

    private static final int SCALEBITS = 16;
    private static final int ONE_HALF = 1 << (SCALEBITS - 1);
    private static final int[] CR_R = new int[256], CB_B = new int[256], CR_G = new int[256], CB_G = new int[256];

    static {
        // libjpeg's build_ycc_rgb_table (jdcolor.c).
        for (int i = 0; i < 256; i++) {
            int x = i - 128;
            CR_R[i] = (fix(1.40200) * x + ONE_HALF) >> SCALEBITS;
            CB_B[i] = (fix(1.77200) * x + ONE_HALF) >> SCALEBITS;
            CR_G[i] = -fix(0.71414) * x;
            CB_G[i] = -fix(0.34414) * x + ONE_HALF;
        }
    }

    private JpegColour() {}

    private static int fix(double x) {
        return (int) (x * (1L << SCALEBITS) + 0.5);
    }

    /**
     * The colour space libjpeg assumes ({@code default_decompress_parms} in jdapimin.c).
     *
     * @param componentIds the component identifiers from the frame header
     * @param adobeTransform the Adobe APP14 transform flag, or -1 without an Adobe marker
     */
    static Space guess(int[] componentIds, boolean jfif, int adobeTransform) {
        return switch (componentIds.length) {
            case 1 -> Space.GRAY;
            case 3 -> {
                if (jfif) yield Space.YCBCR;
                if (adobeTransform >= 0) yield adobeTransform == 0 ? Space.RGB : Space.YCBCR;
                if (componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B') yield Space.RGB;
                yield Space.YCBCR;
            }
            case 4 -> adobeTransform < 0 || adobeTransform == 0 ? Space.CMYK : Space.YCCK;
            default -> throw new IllegalArgumentException("cannot handle " + componentIds.length + "-component JPEG images");
        };
    }

    /** Interleaved RGB from the raw components. */
    static byte[] toRgb(Raster raster, Space space) {
        int w = raster.getWidth(), h = raster.getHeight(), bands = raster.getNumBands();
        int expected = switch (space) {
            case GRAY -> 1;
            case RGB, YCBCR -> 3;
            case CMYK, YCCK -> 4;
        };
        if (bands != expected) throw new IllegalArgumentException(space + " JPEG decoded to " + bands + " components");
        byte[] out = new byte[w * h * 3];
        int[] px = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, px);
            int o = y * w * 3;
            for (int x = 0, p = 0; x < w; x++, p += bands, o += 3) {
                switch (space) {
                    case GRAY -> out[o] = out[o + 1] = out[o + 2] = (byte) px[p];
                    case RGB -> {
                        out[o] = (byte) px[p];
                        out[o + 1] = (byte) px[p + 1];
                        out[o + 2] = (byte) px[p + 2];
                    }
                    case YCBCR -> yccToRgb(px[p], px[p + 1], px[p + 2], out, o);
                    case CMYK -> cmykToRgb(255 - px[p], 255 - px[p + 1], 255 - px[p + 2], 255 - px[p + 3], out, o);
                    case YCCK -> {
                        // libjpeg: C, M, Y = 255 - clamp(R, G, B of the YCC triple), K passes; Pillow then inverts all
                        // four, which leaves clamp(R, G, B) and 255 - K.
                        yccToRgb(px[p], px[p + 1], px[p + 2], out, o);
                        cmykToRgb(out[o] & 0xff, out[o + 1] & 0xff, out[o + 2] & 0xff, 255 - px[p + 3], out, o);
                    }
                }
            }
        }
        return out;
    }

    private static void yccToRgb(int yy, int cb, int cr, byte[] out, int o) {
        out[o] = clamp(yy + CR_R[cr]);
        out[o + 1] = clamp(yy + ((CB_G[cb] + CR_G[cr]) >> SCALEBITS));
        out[o + 2] = clamp(yy + CB_B[cb]);
    }

    /** Pillow's cmyk2rgb (Convert.c): {@code clip8(nk - muldiv255(c, nk))} with {@code nk = 255 - k}. */
    private static void cmykToRgb(int c, int m, int y, int k, byte[] out, int o) {
        int nk = 255 - k;
        out[o] = clamp(nk - mulDiv255(c, nk));
        out[o + 1] = clamp(nk - mulDiv255(m, nk));
        out[o + 2] = clamp(nk - mulDiv255(y, nk));
    }

    /** a * b / 255, rounded, the way Pillow's MULDIV255 computes it. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static byte clamp(int v) {
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }
}

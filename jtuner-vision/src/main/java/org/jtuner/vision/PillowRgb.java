package org.jtuner.vision;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.DirectColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns a decoded image's raw samples into RGB the way Pillow 9.4's {@code Image.convert("RGB")} does after
 * Pillow's own decoder. Samples are read from the raster, never through {@code getRGB}, which would apply Java's
 * colour management (grey is treated as linear light there, and embedded profiles are honoured; Pillow does
 * neither).
 *
 * <ul>
 *   <li>palette: the palette's RGB; transparency is ignored (Pillow drops it);</li>
 *   <li>grey: repeated in R, G and B; grey below 8 bits is scaled ({@code v * 255 / (2^bits - 1)});</li>
 *   <li>alpha (grey + alpha, RGBA, palette alpha): dropped, not composited;</li>
 *   <li>16 bits per sample (PNG): the high byte, except 16-bit grey without alpha, which Pillow opens as a
 *       32-bit integer image and clips to 0..255 (so every value above 255 becomes white);</li>
 *   <li>packed pixels with fewer than 8 bits per component (BMP 5-5-5, 5-6-5): {@code v * 255 / max}, truncated,
 *       as Pillow's unpackers do.</li>
 * </ul>
 */
final class PillowRgb {
    private PillowRgb() {}

    /**
     * @param greyIs32Bit true for a 16-bit greyscale PNG (colour type 0), which Pillow reads as mode "I" and clips
     *                    when converting (also when Java has turned its tRNS chunk into an alpha band)
     * @return interleaved RGB, or null when the sample layout is not one handled here
     */
    static byte[] convert(BufferedImage image, boolean greyIs32Bit) {
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        if (cm instanceof IndexColorModel icm) return fromPalette(raster, icm);
        if (cm instanceof DirectColorModel dcm) return fromPacked(raster, dcm);
        if (cm instanceof ComponentColorModel) return fromComponents(raster, cm, greyIs32Bit);
        return null;
    }

    private static byte[] fromPalette(Raster raster, IndexColorModel icm) {
        int n = icm.getMapSize();
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        byte[] pr = new byte[n], pg = new byte[n], pb = new byte[n];
        icm.getReds(pr);
        icm.getGreens(pg);
        icm.getBlues(pb);
        // Indices past the end of a short palette read as black.
        System.arraycopy(pr, 0, r, 0, Math.min(n, 256));
        System.arraycopy(pg, 0, g, 0, Math.min(n, 256));
        System.arraycopy(pb, 0, b, 0, Math.min(n, 256));
        int w = raster.getWidth(), h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int y = 0, o = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                int i = row[x] & 0xff;
                out[o++] = r[i];
                out[o++] = g[i];
                out[o++] = b[i];
            }
        }
        return out;
    }

    private static byte[] fromPacked(Raster raster, DirectColorModel dcm) {
        int[] masks = {dcm.getRedMask(), dcm.getGreenMask(), dcm.getBlueMask()};
        int[] shifts = new int[3];
        int[] maxima = new int[3];
        for (int c = 0; c < 3; c++) {
            if (masks[c] == 0) return null;
            shifts[c] = Integer.numberOfTrailingZeros(masks[c]);
            maxima[c] = masks[c] >>> shifts[c];
        }
        int w = raster.getWidth(), h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        Object pixel = null;
        for (int y = 0, o = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                pixel = raster.getDataElements(x, y, pixel);
                int p = switch (pixel) {
                    case int[] a -> a[0];
                    case short[] a -> a[0] & 0xffff;
                    case byte[] a -> a[0] & 0xff;
                    default -> throw new IllegalStateException("unexpected packed pixel type " + pixel.getClass());
                };
                for (int c = 0; c < 3; c++) {
                    int v = (p & masks[c]) >>> shifts[c];
                    out[o++] = (byte) (maxima[c] == 255 ? v : v * 255 / maxima[c]);
                }
            }
        }
        return out;
    }

    private static byte[] fromComponents(Raster raster, ColorModel cm, boolean greyIs32Bit) {
        int colours = cm.getNumColorComponents();
        if (colours != 1 && colours != 3) return null;
        int type = raster.getTransferType();
        if (type != DataBuffer.TYPE_BYTE && type != DataBuffer.TYPE_USHORT) return null;
        boolean sixteen = type == DataBuffer.TYPE_USHORT;
        greyIs32Bit &= sixteen && colours == 1;
        int bits = cm.getComponentSize(0);
        int w = raster.getWidth(), h = raster.getHeight();
        byte[] out = new byte[w * h * 3];
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int band = colours == 1 ? 0 : c;
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, band, row);
                for (int x = 0, o = y * w * 3 + c; x < w; x++, o += 3) {
                    int v = row[x];
                    int level;
                    if (sixteen) level = greyIs32Bit ? Math.min(v, 255) : v >>> 8;
                    else if (bits < 8) level = v * 255 / ((1 << bits) - 1);
                    else level = v;
                    out[o] = (byte) level;
                }
            }
        }
        return out;
    }
}

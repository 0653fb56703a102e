package org.jtuner.vision;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;

/**
 * Interlaced GIFs are de-interlaced here rather than by Java's reader, which loses rows of interlaced images only a
 * few rows high (seen with 2- and 3-row images). The first image's interlace flag is cleared, the frame decoded in
 * stored row order, then the rows are put back in place: stored row i is image row {@code order(h)[i]}.
 */
final class GifInterlace {
    private GifInterlace() {}

    /** The data with the first image's interlace flag cleared, or null when that image is not interlaced. */
    static byte[] withoutInterlaceFlag(byte[] gif) {
        int descriptor = firstImageDescriptor(gif);
        if (descriptor < 0 || descriptor + 9 >= gif.length || (gif[descriptor + 9] & 0x40) == 0) return null;
        byte[] copy = gif.clone();
        copy[descriptor + 9] &= ~0x40;
        return copy;
    }

    /** Moves the rows of a frame decoded in stored (interlaced) order to their places. */
    static BufferedImage reorderRows(BufferedImage frame) {
        int w = frame.getWidth(), h = frame.getHeight();
        WritableRaster src = frame.getRaster();
        WritableRaster dst = src.createCompatibleWritableRaster(w, h);
        int[] row = new int[w];
        int stored = 0;
        // GIF's four passes: every 8th row from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
        int[][] passes = {{0, 8}, {4, 8}, {2, 4}, {1, 2}};
        for (int[] pass : passes) {
            for (int y = pass[0]; y < h; y += pass[1], stored++) {
                src.getSamples(0, stored, w, 1, 0, row);
                dst.setSamples(0, y, w, 1, 0, row);
            }
        }
        return new BufferedImage(frame.getColorModel(), dst, false, null);
    }

    /** Offset of the first image descriptor (0x2C), skipping the colour table and extension blocks; -1 if none. */
    private static int firstImageDescriptor(byte[] gif) {
        if (gif.length < 13) return -1;
        int flags = gif[10] & 0xff;
        int pos = 13 + ((flags & 0x80) != 0 ? 3 * (2 << (flags & 7)) : 0);
        while (pos < gif.length) {
            int block = gif[pos] & 0xff;
            if (block == 0x2C) return pos;
            if (block != 0x21 || pos + 2 >= gif.length) return -1;
            pos += 2; // introducer and label, then sub-blocks until a zero length
            while (pos < gif.length && gif[pos] != 0) pos += (gif[pos] & 0xff) + 1;
            pos++;
        }
        return -1;
    }
}

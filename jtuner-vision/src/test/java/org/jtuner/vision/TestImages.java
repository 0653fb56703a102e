package org.jtuner.vision;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/** Builds image files byte by byte, for the layouts ImageIO's writers cannot produce. */
final class TestImages {
    private TestImages() {}

    /** A PNG with the given IHDR bit depth and colour type; {@code rows} are the unfiltered scanlines. */
    static byte[] png(int width, int height, int bitDepth, int colorType, byte[][] rows, byte[]... extraChunks) {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (byte[] row : rows) {
            raw.write(0); // filter type None
            raw.writeBytes(row);
        }
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(compressed)) {
            z.write(raw.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) bitDepth).put((byte) colorType).put(new byte[3]);
        out.writeBytes(pngChunk("IHDR", ihdr.array()));
        for (byte[] chunk : extraChunks) out.writeBytes(chunk);
        out.writeBytes(pngChunk("IDAT", compressed.toByteArray()));
        out.writeBytes(pngChunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    static byte[] pngChunk(String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(t).put(data).putInt((int) crc.getValue()).array();
    }

    /** 16-bit big-endian samples as a scanline. */
    static byte[] u16(int... samples) {
        ByteBuffer b = ByteBuffer.allocate(samples.length * 2);
        for (int s : samples) b.putShort((short) s);
        return b.array();
    }

    /** A bottom-up 16-bit BMP (BITMAPINFOHEADER): masks null for BI_RGB (5-5-5), else BI_BITFIELDS with these masks. */
    static byte[] bmp16(int width, int height, int[] pixelsTopDown, int[] masks) {
        int rowBytes = (width * 2 + 3) / 4 * 4;
        int headerSize = 14 + 40 + (masks == null ? 0 : 12);
        ByteBuffer b = ByteBuffer.allocate(headerSize + rowBytes * height).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 'B').put((byte) 'M').putInt(b.capacity()).putInt(0).putInt(headerSize);
        b.putInt(40).putInt(width).putInt(height).putShort((short) 1).putShort((short) 16)
                .putInt(masks == null ? 0 : 3).putInt(rowBytes * height).putInt(2835).putInt(2835).putInt(0).putInt(0);
        if (masks != null) for (int m : masks) b.putInt(m);
        for (int y = height - 1; y >= 0; y--) {
            int start = b.position();
            for (int x = 0; x < width; x++) b.putShort((short) pixelsTopDown[y * width + x]);
            b.position(start + rowBytes);
        }
        return b.array();
    }
}

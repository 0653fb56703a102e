package org.jtuner.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.jtuner.vision.ImageReadException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoding to RGB with Pillow 9.4's {@code convert("RGB")} semantics. Images are made here; the expected values follow
 * Pillow's rules (each was also checked against Pillow 9.4 itself while writing this module).
 */
class ImagesTest {
    @TempDir
    Path dir;

    // ---- PNG ----

    @Test
    void rgbPngIsReadAsIs() throws IOException {
        BufferedImage image = new BufferedImage(5, 4, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 5; x++) image.getRaster().setPixel(x, y, new int[] {x * 50, y * 60, 7 + x + y});
        RgbImage rgb = Images.read(write(image, "png", "rgb.png"));
        assertThat(rgb.width()).isEqualTo(5);
        assertThat(rgb.height()).isEqualTo(4);
        assertThat(pixel(rgb, 3, 2)).containsExactly(150, 120, 12);
    }

    @Test
    void alphaIsDroppedNotComposited() throws IOException {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        image.getRaster().setPixel(0, 0, new int[] {200, 100, 50, 0}); // fully transparent keeps its colour
        image.getRaster().setPixel(1, 0, new int[] {10, 20, 30, 128});
        RgbImage rgb = Images.read(write(image, "png", "rgba.png"));
        assertThat(pixel(rgb, 0, 0)).containsExactly(200, 100, 50);
        assertThat(pixel(rgb, 1, 0)).containsExactly(10, 20, 30);
    }

    @Test
    void greyIsRepeatedWithoutGammaConversion() throws IOException {
        // Java's getRGB would turn grey 100 into 170 (it treats grey as linear light); Pillow keeps 100.
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 100, 255});
        RgbImage rgb = Images.read(write(image, "png", "grey.png"));
        assertThat(rgb.rgb()).containsExactly(bytes(0, 0, 0, 100, 100, 100, 255, 255, 255));
    }

    @Test
    void greyAlphaDropsAlpha() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                java.awt.Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixel(0, 0, new int[] {77, 0});
        raster.setPixel(1, 0, new int[] {200, 255});
        RgbImage rgb = Images.read(write(new BufferedImage(cm, raster, false, null), "png", "la.png"));
        assertThat(rgb.rgb()).containsExactly(bytes(77, 77, 77, 200, 200, 200));
    }

    @Test
    void paletteIsLookedUpAndTransparencyIgnored() throws IOException {
        byte[] r = bytes(10, 250, 0, 33), g = bytes(20, 0, 128, 66), b = bytes(30, 5, 255, 99);
        IndexColorModel icm = new IndexColorModel(2, 4, r, g, b, 1); // index 1 transparent
        BufferedImage image = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY, icm);
        image.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {3, 1, 0, 2});
        RgbImage rgb = Images.read(write(image, "png", "palette.png"));
        assertThat(rgb.rgb()).containsExactly(bytes(33, 66, 99, 250, 0, 5, 10, 20, 30, 0, 128, 255));
    }

    @Test
    void lowBitDepthGreyIsScaled() throws IOException {
        // 2-bit grey 0, 1, 2, 3 -> 0, 85, 170, 255; 1-bit -> 0, 255.
        byte[] twoBit = TestImages.png(4, 1, 2, 0, new byte[][] {bytes(0b00_01_10_11)});
        assertThat(decode(twoBit).rgb()).containsExactly(bytes(0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255));
        byte[] oneBit = TestImages.png(2, 1, 1, 0, new byte[][] {bytes(0b01_000000)});
        assertThat(decode(oneBit).rgb()).containsExactly(bytes(0, 0, 0, 255, 255, 255));
    }

    @Test
    void sixteenBitGreyIsClippedLikePillowsModeI() throws IOException {
        // Pillow opens 16-bit grey as a 32-bit integer image; convert("RGB") clips it, so 256 and up are white.
        int[] samples = {0, 1, 200, 255, 256, 300, 32768, 65535};
        byte[] png = TestImages.png(samples.length, 1, 16, 0, new byte[][] {TestImages.u16(samples)});
        assertThat(firstChannel(decode(png))).containsExactly(0, 1, 200, 255, 255, 255, 255, 255);
        // Also with a tRNS chunk (which Java turns into an alpha band).
        byte[] trns = TestImages.pngChunk("tRNS", TestImages.u16(300));
        byte[] withTrns = TestImages.png(samples.length, 1, 16, 0, new byte[][] {TestImages.u16(samples)}, trns);
        assertThat(firstChannel(decode(withTrns))).containsExactly(0, 1, 200, 255, 255, 255, 255, 255);
    }

    @Test
    void sixteenBitColourKeepsTheHighByte() throws IOException {
        int[] v = {0, 255, 256, 511, 32768, 65280, 65535};
        int[] rgbSamples = new int[v.length * 3];
        int[] rgbaSamples = new int[v.length * 4];
        int[] laSamples = new int[v.length * 2];
        for (int i = 0; i < v.length; i++) {
            rgbSamples[3 * i] = v[i];
            rgbSamples[3 * i + 1] = 65535 - v[i];
            rgbSamples[3 * i + 2] = 4660;
            rgbaSamples[4 * i] = v[i];
            rgbaSamples[4 * i + 3] = 1000;
            laSamples[2 * i] = v[i];
            laSamples[2 * i + 1] = 9;
        }
        int[] high = {0, 0, 1, 1, 128, 255, 255};
        RgbImage rgb = decode(TestImages.png(v.length, 1, 16, 2, new byte[][] {TestImages.u16(rgbSamples)}));
        assertThat(firstChannel(rgb)).containsExactly(high);
        assertThat(pixel(rgb, 0, 0)).containsExactly(0, 255, 18);
        assertThat(firstChannel(decode(TestImages.png(v.length, 1, 16, 6, new byte[][] {TestImages.u16(rgbaSamples)})))).containsExactly(high);
        assertThat(firstChannel(decode(TestImages.png(v.length, 1, 16, 4, new byte[][] {TestImages.u16(laSamples)})))).containsExactly(high);
    }

    // ---- JPEG ----

    @Test
    void baselineAndProgressiveJpegMatchLibjpegsOwnColourConversion() throws IOException {
        BufferedImage image = noisyImage(67, 45);
        for (boolean progressive : new boolean[] {false, true}) {
            byte[] jpeg = jpeg(image, 0.85f, progressive);
            RgbImage rgb = decode(jpeg);
            // The JDK's reader converts YCbCr inside libjpeg; we convert raw components with libjpeg's tables.
            BufferedImage viaLibjpeg = jdkJpegRead(jpeg);
            byte[] expected = new byte[rgb.rgb().length];
            int[] px = viaLibjpeg.getRaster().getPixels(0, 0, 67, 45, (int[]) null);
            for (int i = 0; i < px.length; i++) expected[i] = (byte) px[i];
            assertThat(rgb.rgb()).as(progressive ? "progressive" : "baseline").isEqualTo(expected);
        }
    }

    @Test
    void greyscaleJpegIsRepeated() throws IOException {
        BufferedImage grey = new BufferedImage(16, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 16; x++) for (int y = 0; y < 8; y++) grey.getRaster().setSample(x, y, 0, x < 8 ? 40 : 220);
        RgbImage rgb = decode(jpeg(grey, 1f, false));
        assertThat(pixel(rgb, 2, 2)).containsExactly(40, 40, 40);
        assertThat(pixel(rgb, 13, 5)).containsExactly(220, 220, 220);
    }

    @Test
    void cmykJpegUsesPillowsInvertedCmykAndPlainFormula() throws IOException {
        // Flat 8x8 blocks at quality 100 come back exactly. No Adobe marker: libjpeg reads CMYK, Pillow inverts it
        // ("CMYK;I") and converts with (255 - C) * (255 - K) / 255, no ICC. Expected values are Pillow 9.4's.
        int[][] stored = {{255, 255, 255, 255}, {200, 100, 50, 230}, {10, 128, 250, 255}, {255, 0, 128, 128}};
        int[][] pillow = {{255, 255, 255}, {180, 90, 45}, {10, 128, 250}, {128, 0, 64}};
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 32, 16, 4, null);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 32; x++) raster.setPixel(x, y, stored[x / 8]);
        RgbImage rgb = decode(jpegRaster(raster));
        for (int i = 0; i < 4; i++) assertThat(pixel(rgb, i * 8 + 3, 9)).as("patch %d", i).containsExactly(pillow[i]);
    }

    // ---- BMP, GIF ----

    @Test
    void bmpTrueColourAndPalette() throws IOException {
        BufferedImage image = noisyImage(9, 7);
        RgbImage rgb = Images.read(write(image, "bmp", "rgb.bmp"));
        assertThat(pixel(rgb, 4, 5)).containsExactly(pixelOf(image, 4, 5));

        // A full 256-entry palette: the JDK's BMP writer mis-writes short palettes.
        byte[] r = new byte[256], g = new byte[256], b = new byte[256];
        System.arraycopy(bytes(1, 2, 250), 0, r, 0, 3);
        System.arraycopy(bytes(4, 5, 6), 0, g, 0, 3);
        System.arraycopy(bytes(7, 8, 9), 0, b, 0, 3);
        IndexColorModel icm = new IndexColorModel(8, 256, r, g, b);
        BufferedImage indexed = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        indexed.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {2, 0, 1});
        assertThat(Images.read(write(indexed, "bmp", "p.bmp")).rgb()).containsExactly(bytes(250, 6, 9, 1, 4, 7, 2, 5, 8));
    }

    @Test
    void bmpFiveAndSixBitComponentsScaleByTruncation() throws IOException {
        // Pillow's BGR;15 / BGR;16 unpackers: v * 255 / 31 (or / 63), integer division.
        int p555 = (17 << 10) | (5 << 5) | 31; // r 17 -> 139, g 5 -> 41, b 31 -> 255
        RgbImage rgb = decode(TestImages.bmp16(1, 1, new int[] {p555}, null));
        assertThat(pixel(rgb, 0, 0)).containsExactly(139, 41, 255);
        int p565 = (17 << 11) | (33 << 5) | 1; // r 17 -> 139, g 33 -> 133, b 1 -> 8
        RgbImage rgb565 = decode(TestImages.bmp16(1, 1, new int[] {p565}, new int[] {0xF800, 0x07E0, 0x001F}));
        assertThat(pixel(rgb565, 0, 0)).containsExactly(139, 133, 8);
    }

    @Test
    void gifFirstFrameOnItsLogicalScreen() throws IOException {
        IndexColorModel icm = new IndexColorModel(2, 4, bytes(10, 200, 0, 1), bytes(20, 0, 200, 2), bytes(30, 0, 0, 3), 2);
        BufferedImage frame = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED, icm);
        frame.getRaster().setSamples(0, 0, 3, 2, 0, new int[] {1, 1, 2, 3, 0, 1});
        // The JDK writes it interlaced; Java's reader alone would lose the second row of so small an image.
        byte[] gif = Files.readAllBytes(write(frame, "gif", "frame.gif"));
        RgbImage plain = decode(gif);
        assertThat(plain.rgb()).containsExactly(bytes(200, 0, 0, 200, 0, 0, 0, 200, 0, 1, 2, 3, 10, 20, 30, 200, 0, 0));

        // Grow the logical screen to 6x4 and move the frame to (2, 1): Pillow fills the rest with the
        // transparent index (2 here), and convert("RGB") shows that index's palette colour.
        placeFirstFrame(gif, 6, 4, 2, 1);
        RgbImage placed = decode(gif);
        assertThat(placed.width()).isEqualTo(6);
        assertThat(placed.height()).isEqualTo(4);
        assertThat(pixel(placed, 0, 0)).containsExactly(0, 200, 0);
        assertThat(pixel(placed, 2, 1)).containsExactly(200, 0, 0);
        assertThat(pixel(placed, 4, 2)).containsExactly(200, 0, 0);
        assertThat(pixel(placed, 5, 3)).containsExactly(0, 200, 0);
    }

    // ---- errors ----

    @Test
    void errorsNameTheFileAndTheProblem() throws IOException {
        Path missing = dir.resolve("missing.jpg");
        assertThatThrownBy(() -> Images.read(missing)).isInstanceOfSatisfying(ImageReadException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNREADABLE);
            assertThat(e.getMessage()).contains(missing.toString()).contains("no such file");
        });
        Path text = Files.writeString(dir.resolve("notes.png"), "hello, not an image");
        assertThatThrownBy(() -> Images.read(text)).isInstanceOfSatisfying(ImageReadException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.UNSUPPORTED);
            assertThat(e.getMessage()).contains(text.toString()).contains("not a PNG, JPEG, WebP, BMP or GIF");
        });
        Path tiff = Files.write(dir.resolve("scan.tif"), bytes('I', 'I', 42, 0, 8, 0, 0, 0));
        assertThatThrownBy(() -> Images.read(tiff)).hasMessageContaining("TIFF");
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        assertThatThrownBy(() -> Images.read(empty)).hasMessageContaining("empty");
    }

    @Test
    void truncatedFilesAreReportedAsTruncated() throws IOException {
        BufferedImage image = noisyImage(200, 150);
        for (String format : new String[] {"png", "jpeg", "gif", "bmp"}) {
            BufferedImage source = format.equals("gif") ? toIndexed(image) : image;
            byte[] full = Files.readAllBytes(write(source, format, "full." + format));
            Path cut = Files.write(dir.resolve("cut." + format), Arrays.copyOf(full, full.length * 6 / 10));
            assertThatThrownBy(() -> Images.read(cut)).as(format).isInstanceOfSatisfying(ImageReadException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.TRUNCATED);
                assertThat(e.getMessage()).contains(cut.toString()).contains("truncated");
            });
        }
    }

    @Test
    void damagedDataIsReportedAsCorrupt() throws IOException {
        byte[] png = Files.readAllBytes(write(noisyImage(40, 30), "png", "ok.png"));
        for (int i = 60; i < png.length - 20; i += 7) png[i] ^= 0x5A; // scramble IDAT, keep IEND
        assertThatThrownBy(() -> decode(png)).isInstanceOfSatisfying(ImageReadException.class,
                e -> assertThat(e.reason()).isIn(Reason.CORRUPT, Reason.TRUNCATED));
    }

    // ---- helpers ----

    private Path write(BufferedImage image, String format, String name) throws IOException {
        Path p = dir.resolve(name);
        if (!ImageIO.write(image, format, p.toFile())) throw new IllegalStateException("no " + format + " writer for " + image);
        return p;
    }

    private static RgbImage decode(byte[] data) throws ImageReadException {
        return Images.decode(data, "test image");
    }

    private static int[] pixel(RgbImage image, int x, int y) {
        return new int[] {image.get(x, y, 0), image.get(x, y, 1), image.get(x, y, 2)};
    }

    private static int[] pixelOf(BufferedImage image, int x, int y) {
        return image.getRaster().getPixel(x, y, (int[]) null);
    }

    private static int[] firstChannel(RgbImage image) {
        int[] out = new int[image.width()];
        for (int x = 0; x < out.length; x++) out[x] = image.get(x, 0, 0);
        return out;
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }

    private static BufferedImage noisyImage(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        java.util.Random random = new java.util.Random(5);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image.getRaster().setPixel(x, y, new int[] {(x * 255) / w, (y * 255) / h, random.nextInt(256)});
        return image;
    }

    private static BufferedImage toIndexed(BufferedImage image) {
        BufferedImage indexed = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
        indexed.getGraphics().drawImage(image, 0, 0, null);
        return indexed;
    }

    private static ImageWriter jdkJpegWriter() {
        for (var it = ImageIO.getImageWritersByFormatName("jpeg"); it.hasNext(); ) {
            ImageWriter w = it.next();
            if (w.getClass().getName().startsWith("com.sun.imageio")) return w;
        }
        throw new IllegalStateException("no JDK JPEG writer");
    }

    private static byte[] jpeg(BufferedImage image, float quality, boolean progressive) throws IOException {
        return encodeJpeg(new IIOImage(image, null, null), quality, progressive);
    }

    private static byte[] jpegRaster(Raster raster) throws IOException {
        return encodeJpeg(new IIOImage(raster, null, null), 1f, false);
    }

    private static byte[] encodeJpeg(IIOImage image, float quality, boolean progressive) throws IOException {
        ImageWriter writer = jdkJpegWriter();
        ImageWriteParam param = writer.getDefaultWriteParam();
        if (progressive) {
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        } else {
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(null, image, param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** Decodes with the JDK's own JPEG reader, whose colour conversion happens inside libjpeg. */
    private static BufferedImage jdkJpegRead(byte[] jpeg) throws IOException {
        for (var it = ImageIO.getImageReadersByFormatName("jpeg"); it.hasNext(); ) {
            ImageReader r = it.next();
            if (!r.getClass().getName().startsWith("com.sun.imageio")) continue;
            r.setInput(new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg)));
            try {
                return r.read(0);
            } finally {
                r.dispose();
            }
        }
        throw new IllegalStateException("no JDK JPEG reader");
    }

    /** Rewrites a GIF's logical screen size and its first image's position, in place. */
    private static void placeFirstFrame(byte[] gif, int screenW, int screenH, int left, int top) {
        putU16(gif, 6, screenW);
        putU16(gif, 8, screenH);
        int flags = gif[10] & 0xff;
        int pos = 13 + ((flags & 0x80) != 0 ? 3 * (2 << (flags & 7)) : 0);
        while ((gif[pos] & 0xff) == 0x21) { // skip extensions
            pos += 2;
            while (gif[pos] != 0) pos += (gif[pos] & 0xff) + 1;
            pos++;
        }
        if ((gif[pos] & 0xff) != 0x2C) throw new IllegalStateException("no image descriptor at " + pos);
        putU16(gif, pos + 1, left);
        putU16(gif, pos + 3, top);
    }

    private static void putU16(byte[] b, int p, int v) {
        b[p] = (byte) v;
        b[p + 1] = (byte) (v >> 8);
    }
}

package org.jtuner.vision;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

import org.jtuner.vision.ImageReadException.Reason;

/**
 * Reads PNG, JPEG (baseline, progressive, greyscale, CMYK/YCCK), WebP (lossy and lossless), BMP and GIF (first
 * frame) into 8-bit RGB with the pixel values that LLaVA's {@code Image.open(path).convert("RGB")} gives with
 * Pillow 9.4: no colour management, alpha dropped (not composited), palettes looked up, 16-bit samples reduced as
 * Pillow reduces them. The format is told by the file's first bytes. Safe to call from many threads.
 *
 * <p>Where the pixels can differ from Pillow's: lossy WebP is decoded by TwelveMonkeys' Java VP8 decoder, not
 * libwebp, and JPEG by the JDK's libjpeg 6b rather than libjpeg-turbo (the same integer IDCT and colour tables;
 * only 4:4:0 chroma upsampling differs between the two).
 */
public final class Images {
    /** Pillow refuses images with more than twice {@code Image.MAX_IMAGE_PIXELS} pixels (a decompression bomb). */
    static final long MAX_PIXELS = 2L * 89_478_485L;

    static {
        // Keep ImageIO from writing cache files for streams; everything here is read from memory.
        ImageIO.setUseCache(false);
    }

    private Images() {}

    /** Reads the image file at {@code path} as RGB. */
    public static RgbImage read(Path path) throws ImageReadException {
        byte[] data;
        try {
            data = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ImageReadException(path.toString(), Reason.UNREADABLE, "no such file", e);
        } catch (AccessDeniedException e) {
            throw new ImageReadException(path.toString(), Reason.UNREADABLE, "permission denied", e);
        } catch (IOException | OutOfMemoryError e) {
            throw new ImageReadException(path.toString(), Reason.UNREADABLE, "cannot read the file: " + e, e);
        }
        return decode(data, path.toString());
    }

    /**
     * Decodes an image held in memory as RGB.
     *
     * @param source what to call the image in an error message (its path, an archive member, a URL)
     */
    public static RgbImage decode(byte[] data, String source) throws ImageReadException {
        if (data.length == 0) throw new ImageReadException(source, Reason.TRUNCATED, "empty file (0 bytes)", null);
        ImageFormat format = ImageFormat.sniff(data);
        if (format == null) {
            throw new ImageReadException(source, Reason.UNSUPPORTED,
                    "not a PNG, JPEG, WebP, BMP or GIF image: " + ImageFormat.describe(data), null);
        }
        String what = format + " image";
        if (format == ImageFormat.WEBP && !format.looksComplete(data)) {
            // The decoder would return what it has; libwebp (and so Pillow) refuses a short file.
            throw new ImageReadException(source, Reason.TRUNCATED, what + " is truncated (shorter than its RIFF header says)", null);
        }
        try {
            return format == ImageFormat.JPEG ? readJpeg(data, source) : readOther(format, data, source);
        } catch (ImageReadException e) {
            throw e;
        } catch (IOException e) {
            if (causedByEndOfData(e) || !format.looksComplete(data)) {
                throw new ImageReadException(source, Reason.TRUNCATED, what + " is truncated (the data ends early)", e);
            }
            throw new ImageReadException(source, Reason.CORRUPT, "damaged " + what + ": " + message(e), e);
        } catch (RuntimeException e) {
            // Java's decoders signal some damage with unchecked exceptions (array bounds, bad arguments).
            throw new ImageReadException(source, Reason.CORRUPT, "damaged " + what + ": " + message(e), e);
        }
    }

    private static RgbImage readOther(ImageFormat format, byte[] data, String source) throws IOException {
        byte[] deinterlaced = format == ImageFormat.GIF ? GifInterlace.withoutInterlaceFlag(data) : null;
        if (deinterlaced != null) data = deinterlaced;
        ImageReader reader = readerFor(format, source);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, format != ImageFormat.GIF);
            checkSize(reader, format, source);
            BufferedImage image = reader.read(0);
            if (deinterlaced != null) image = GifInterlace.reorderRows(image);
            if (format == ImageFormat.GIF) image = GifCanvas.place(image, reader.getStreamMetadata(), reader.getImageMetadata(0));
            byte[] rgb = PillowRgb.convert(image, format == ImageFormat.PNG && isSixteenBitGreyPng(data));
            if (rgb == null) {
                throw new ImageReadException(source, Reason.UNSUPPORTED, format + " image with an unsupported pixel layout ("
                        + image.getColorModel().getClass().getSimpleName() + ", " + image.getRaster().getNumBands() + " bands)", null);
            }
            return new RgbImage(image.getWidth(), image.getHeight(), rgb);
        } finally {
            reader.dispose();
        }
    }

    /** JPEG: raw components from the decoder, colour conversion as libjpeg + Pillow do it (see {@link JpegColour}). */
    private static RgbImage readJpeg(byte[] data, String source) throws IOException {
        JpegMarkers markers;
        try {
            markers = JpegMarkers.parse(data);
        } catch (IllegalArgumentException e) {
            boolean cut = e.getMessage().contains("ends");
            throw new ImageReadException(source, cut ? Reason.TRUNCATED : Reason.CORRUPT,
                    (cut ? "JPEG image is truncated: " : "damaged JPEG image: ") + e.getMessage(), e);
        }
        if (markers.precision() != 8) {
            throw new ImageReadException(source, Reason.UNSUPPORTED, markers.precision() + "-bit JPEG is not supported (Pillow reads only 8-bit)", null);
        }
        if (markers.arithmetic()) {
            throw new ImageReadException(source, Reason.UNSUPPORTED, "arithmetic-coded JPEG is not supported", null);
        }
        JpegColour.Space space;
        try {
            space = JpegColour.guess(markers.componentIds(), markers.jfif(), markers.adobeTransform());
        } catch (IllegalArgumentException e) {
            throw new ImageReadException(source, Reason.UNSUPPORTED, e.getMessage(), e);
        }
        ImageReader reader = readerFor(ImageFormat.JPEG, source);
        EndOfDataWatch watch = new EndOfDataWatch();
        reader.addIIOReadWarningListener(watch);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, true);
            checkSize(reader, ImageFormat.JPEG, source);
            Raster raster = reader.readRaster(0, null);
            if (watch.endedEarly) throw new ImageReadException(source, Reason.TRUNCATED, "JPEG image is truncated (" + watch.message + ")", null);
            return new RgbImage(raster.getWidth(), raster.getHeight(), JpegColour.toRgb(raster, space));
        } finally {
            reader.dispose();
        }
    }

    private static ImageReader readerFor(ImageFormat format, String source) throws ImageReadException {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.imageIoName);
        if (!readers.hasNext()) {
            throw new ImageReadException(source, Reason.UNSUPPORTED, "no ImageIO reader for " + format + " on the class path", null);
        }
        return readers.next();
    }

    private static void checkSize(ImageReader reader, ImageFormat format, String source) throws IOException {
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > MAX_PIXELS) {
            throw new ImageReadException(source, Reason.UNSUPPORTED, format + " image of " + reader.getWidth(0) + "x" + reader.getHeight(0)
                    + " is larger than the " + MAX_PIXELS + " pixels Pillow accepts (decompression bomb guard)", null);
        }
    }

    /** PNG colour type 0 with 16 bits: Pillow opens it as a 32-bit integer image ("I"). IHDR is always first. */
    private static boolean isSixteenBitGreyPng(byte[] data) {
        return data.length > 25 && (data[24] & 0xff) == 16 && (data[25] & 0xff) == 0;
    }

    private static boolean causedByEndOfData(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) return true;
            String m = t.getMessage();
            if (m != null && (m.contains("Unexpected end of ZLIB") || m.contains("Premature end") || m.contains("Unexpected EOF"))) return true;
        }
        return false;
    }

    private static String message(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String top = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        if (root == e || root.getMessage() == null) return top;
        return top + " (" + root.getMessage() + ")";
    }

    /** The JPEG decoder reports a file that ends inside the image data as a warning and fills the rest grey; Pillow fails. */
    private static final class EndOfDataWatch implements IIOReadWarningListener {
        volatile boolean endedEarly;
        volatile String message;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            // Not "premature end of data segment": that one is a damaged scan inside a complete file, which
            // libjpeg and Pillow decode.
            if (warning != null && (warning.contains("Missing EOI") || warning.contains("Premature end of JPEG file"))) {
                endedEarly = true;
                message = warning;
            }
        }
    }
}

package org.jtuner.vision;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

/** Writes an {@link RgbImage} as an 8-bit RGB PNG (lossless: reading it back gives the same bytes). */
public final class PngWriter {
    private PngWriter() {}

    public static void write(RgbImage image, Path file) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                out.setRGB(x, y, image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2));
            }
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        if (!ImageIO.write(out, "png", file.toFile())) throw new IOException(file + ": no PNG writer available");
    }
}

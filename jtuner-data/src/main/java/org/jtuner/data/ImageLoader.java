package org.jtuner.data;

import java.nio.file.Path;

import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.PixelValues;

/** Turns an image file into the pixels the vision encoder takes. Called from data-loading workers: thread-safe. */
@FunctionalInterface
public interface ImageLoader {
    PixelValues load(Path image) throws ImageReadException;

    /**
     * The pixels of image {@code imageNumber} of sample {@code sampleIndex} in {@code epoch}: a loader that augments
     * draws its parameters from this key; the others ignore it.
     */
    default PixelValues load(Path image, int epoch, int sampleIndex, int imageNumber) throws ImageReadException {
        return load(image);
    }
}

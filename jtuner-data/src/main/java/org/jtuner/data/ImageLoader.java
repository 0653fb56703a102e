package org.jtuner.data;

import java.nio.file.Path;

import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.PixelValues;

/** Turns an image file into the pixels the vision encoder takes. Called from data-loading workers: thread-safe. */
@FunctionalInterface
public interface ImageLoader {
    PixelValues load(Path image) throws ImageReadException;
}

package org.jtuner.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jtuner.vision.ClipImageProcessor;
import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.Images;
import org.jtuner.vision.PixelValues;
import org.jtuner.vision.RgbImage;
import org.jtuner.vision.augment.ImageAugmenter;

/**
 * LLaVA's image path in {@code LLaVADataset.__getitem__}: {@code Image.open(path).convert("RGB")}, LLaVA's
 * {@code expand2square} with the processor's mean colour when {@code pad_image_to_square}, then the CLIP
 * processor's {@code pixel_values}. With {@code data.augment.image}, the decoded image is augmented first
 * ({@link #withAugmentation}).
 */
public final class ClipImageLoader implements ImageLoader {
    private final ClipImageProcessor processor;
    private final boolean padToSquare;
    private final ImageAugmenter augmenter;
    private final long seed;

    public ClipImageLoader(ClipImageProcessor processor, boolean padToSquare) {
        this(processor, padToSquare, null, 0);
    }

    private ClipImageLoader(ClipImageProcessor processor, boolean padToSquare, ImageAugmenter augmenter, long seed) {
        this.processor = processor;
        this.padToSquare = padToSquare;
        this.augmenter = augmenter;
        this.seed = seed;
    }

    /** This loader augmenting each decoded image (before pad-to-square) with draws keyed by (seed, epoch, sample, image). */
    public ClipImageLoader withAugmentation(ImageAugmenter augmenter, long seed) {
        return new ClipImageLoader(processor, padToSquare, augmenter, seed);
    }

    /**
     * The processor of {@code data.image_processor}: a folder holding {@code preprocessor_config.json}, that file
     * itself, or (null) CLIP ViT-L/14-336's.
     */
    public static ClipImageLoader fromConfig(DataConfig config) throws IOException {
        return new ClipImageLoader(processor(config.imageProcessor()), config.padImageToSquare());
    }

    static ClipImageProcessor processor(Path where) throws IOException {
        if (where == null) return ClipImageProcessor.defaults();
        Path file = Files.isDirectory(where) ? where.resolve("preprocessor_config.json") : where;
        if (!Files.isRegularFile(file)) {
            throw new java.io.FileNotFoundException(file + " (data.image_processor: a folder with preprocessor_config.json, or the file)");
        }
        return ClipImageProcessor.fromConfig(file);
    }

    public ClipImageProcessor processor() {
        return processor;
    }

    @Override
    public PixelValues load(Path image) throws ImageReadException {
        return preprocess(Images.read(image));
    }

    @Override
    public PixelValues load(Path image, int epoch, int sampleIndex, int imageNumber) throws ImageReadException {
        RgbImage rgb = Images.read(image);
        if (augmenter != null) rgb = augmenter.apply(rgb, seed, epoch, sampleIndex, imageNumber);
        return preprocess(rgb);
    }

    private PixelValues preprocess(RgbImage rgb) {
        if (padToSquare) rgb = processor.expandToSquare(rgb);
        return processor.preprocess(rgb);
    }
}

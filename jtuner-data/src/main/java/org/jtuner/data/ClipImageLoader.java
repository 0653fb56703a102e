package org.jtuner.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.jtuner.vision.ClipImageProcessor;
import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.Images;
import org.jtuner.vision.PixelValues;
import org.jtuner.vision.RgbImage;

/**
 * LLaVA's image path in {@code LLaVADataset.__getitem__}: {@code Image.open(path).convert("RGB")}, LLaVA's
 * {@code expand2square} with the processor's mean colour when {@code pad_image_to_square}, then the CLIP
 * processor's {@code pixel_values}.
 */
public final class ClipImageLoader implements ImageLoader {
    private final ClipImageProcessor processor;
    private final boolean padToSquare;

    public ClipImageLoader(ClipImageProcessor processor, boolean padToSquare) {
        this.processor = processor;
        this.padToSquare = padToSquare;
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
        RgbImage rgb = Images.read(image);
        if (padToSquare) rgb = processor.expandToSquare(rgb);
        return processor.preprocess(rgb);
    }
}

package org.jtuner.data.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

import org.jtuner.data.BadSampleException;
import org.jtuner.data.DataConfig;
import org.jtuner.data.EncodedSample;
import org.jtuner.data.LlavaData;
import org.jtuner.data.LlavaDataset;
import org.jtuner.data.OnBadSample;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.Images;
import org.jtuner.vision.PngWriter;
import org.jtuner.vision.RgbImage;
import org.jtuner.vision.augment.ImageAugmenter;

/**
 * {@code jtuner log-dataset CONFIG --augment N}: the first N images of the dataset as {@code data.augment.image}
 * changes them in epoch 0 (the draws training makes for those samples with this seed), written as PNGs
 * ({@code sample<i>_image<k>.png}) beside the originals' names in the output folder.
 */
public final class AugmentPreview {
    private AugmentPreview() {}

    public static int run(DataConfig config, Tokenizer tokenizer, int count, long seed, Path outDir, PrintStream out) {
        if (!config.augment().image().enabled()) {
            out.println("error: the config has no data.augment.image section (or every probability is 0): nothing to preview");
            return 2;
        }
        ImageAugmenter augmenter = new ImageAugmenter(config.augment().image());
        LlavaDataset dataset;
        try {
            dataset = LlavaData.parts(config.withOnBadSample(OnBadSample.SKIP), tokenizer, p -> null)
                    .datasetBuilder(line -> {}).verifyImages(null).build();
        } catch (IOException | BadSampleException | IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return 2;
        }
        int written = 0;
        for (int i = 0; i < dataset.size() && written < count; i++) {
            EncodedSample s = dataset.get(i);
            for (int k = 0; k < s.images().size() && written < count; k++) {
                Path file = outDir.resolve("sample" + i + "_image" + k + ".png");
                try {
                    RgbImage image = Images.read(s.images().get(k));
                    PngWriter.write(augmenter.apply(image, seed, 0, i, k), file);
                } catch (ImageReadException e) {
                    out.println("skipped " + s.source() + ": " + e.getMessage());
                    continue;
                } catch (IOException e) {
                    out.println("error: cannot write " + file + ": " + e.getMessage());
                    return 2;
                }
                out.println("wrote " + file + " (" + s.source() + ", " + s.images().get(k).getFileName() + ")");
                written++;
            }
        }
        if (written == 0) {
            out.println("no image sample in " + config.files());
            return 1;
        }
        return 0;
    }
}

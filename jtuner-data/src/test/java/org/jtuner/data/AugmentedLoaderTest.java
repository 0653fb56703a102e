package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jtuner.data.TestData.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.jtuner.data.config.ConfigException;
import org.jtuner.vision.Images;
import org.jtuner.vision.PixelValues;
import org.jtuner.vision.augment.ImageAugmenter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** data.augment through the loader: keyed by (seed, epoch, sample), so a resumed run sees the same images. */
class AugmentedLoaderTest {
    @TempDir
    Path dir;

    static final String AUGMENT = """
            data:
              files: [data.jsonl]
              template: vicuna
              tokenizer: tok
              augment:
                image:
                  random_resized_crop: {p: 1.0, scale: [0.3, 1.0]}
                  color_jitter: {p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1}
            """;

    @Test
    void theSectionBindsWithFlipOffByDefaultAndUnknownKeysNamed() {
        DataConfig c = DataConfig.fromYamlText(AUGMENT);
        var img = c.augment().image();
        assertThat(img.crop().p()).isEqualTo(1.0);
        assertThat(img.crop().scaleMin()).isEqualTo(0.3);
        assertThat(img.crop().ratioMin()).isEqualTo(0.75);      // torchvision's default ratio
        assertThat(img.crop().size()).isNull();
        assertThat(img.jitter().hue()).isEqualTo(0.1);
        assertThat(img.hflipP()).isZero();
        assertThat(DataConfig.fromYamlText(AUGMENT.replace("    image:\n", "    image:\n      hflip: {p: 0.5}\n"))
                .augment().image().hflipP()).isEqualTo(0.5);
        assertThat(DataConfig.fromYamlText("data: {files: [a.json], template: vicuna, tokenizer: t}").augment().enabled()).isFalse();
        assertThatThrownBy(() -> DataConfig.fromYamlText(AUGMENT.replace("color_jitter", "colour_jitter")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("colour_jitter").hasMessageContaining("color_jitter");
        assertThatThrownBy(() -> DataConfig.fromYamlText(AUGMENT.replace("hue: 0.1", "hue: 0.7")))
                .hasMessageContaining("data.augment.image.color_jitter.hue");
        assertThat(c.toJson().get("augment").get("image").get("hflip").get("p").asDouble()).isZero();
    }

    @Test
    void aResumedEpochAugmentsExactlyAsTheUninterruptedOne() throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            gradient(dir.resolve("images/g" + i + ".png"), 20 + i, 14 + 2 * i, i);
            rows.add(row("s" + i, List.of("g" + i + ".png"), "<image>\nWhat is this" + "?".repeat(i % 4), "A picture " + i));
        }
        Path data = jsonl(dir.resolve("data.jsonl"), rows.toArray(String[]::new));
        DataConfig config = config(List.of(data), dir.resolve("images"), "vicuna")
                .withAugment(DataConfig.fromYamlText(AUGMENT).augment()).withBatching(3, 0);
        ClipImageLoader plain = new ClipImageLoader(tinyProcessor(), true);
        LlavaData llava = LlavaData.open(config, tokenizer(), plain, s -> {});
        long seed = 1234;

        List<Batch> straight = epoch(llava.loader(1, 0, seed, s -> {}), 0, 0);
        List<Batch> resumed = epoch(llava.loader(1, 0, seed, s -> {}), 0, 2);   // a run resumed at step 2
        assertThat(resumed.getFirst().pixels().data()).isEqualTo(straight.get(2).pixels().data());
        assertThat(resumed.getFirst().sampleIndices()).isEqualTo(straight.get(2).sampleIndices());

        // each image is the processor applied to the augmenter's output for (seed, epoch, sample index, image 0)
        ImageAugmenter augmenter = new ImageAugmenter(config.augment().image());
        Batch b = straight.get(1);
        for (int r = 0; r < b.rows(); r++) {
            int index = b.sampleIndices()[r];
            PixelValues want = plain.processor().preprocess(plain.processor().expandToSquare(
                    augmenter.apply(Images.read(dir.resolve("images/g" + index + ".png")), seed, 0, index, 0)));
            int per = want.data().length;
            float[] got = java.util.Arrays.copyOfRange(b.pixels().data(), r * per, (r + 1) * per);
            assertThat(got).as("sample %d", index).isEqualTo(want.data());
            PixelValues unaugmented = plain.load(dir.resolve("images/g" + index + ".png"));
            assertThat(got).isNotEqualTo(unaugmented.data());
        }

        // another epoch draws other augmentations for the same samples; another seed too
        List<Batch> nextEpoch = epoch(llava.loader(1, 0, seed, s -> {}), 1, 0);
        assertThat(pixelsOf(nextEpoch, 5)).isNotEqualTo(pixelsOf(straight, 5));
        List<Batch> otherSeed = epoch(llava.loader(1, 0, seed + 1, s -> {}), 0, 0);
        assertThat(otherSeed.size()).isEqualTo(straight.size());
    }

    private static float[] pixelsOf(List<Batch> batches, int sample) {
        for (Batch b : batches) {
            for (int r = 0; r < b.rows(); r++) {
                if (b.sampleIndices()[r] == sample) {
                    int per = b.pixels().data().length / b.pixels().count();
                    return java.util.Arrays.copyOfRange(b.pixels().data(), r * per, (r + 1) * per);
                }
            }
        }
        throw new AssertionError("sample " + sample + " not found");
    }

    private static List<Batch> epoch(DataLoader loader, int epoch, int start) {
        List<Batch> out = new ArrayList<>();
        try (loader; DataLoader.Epoch e = loader.epoch(epoch, start)) {
            e.forEachRemaining(out::add);
        }
        return out;
    }

    /** A PNG with a gradient, so that crops and colour changes show. */
    static void gradient(Path file, int w, int h, int seed) throws Exception {
        Files.createDirectories(file.getParent());
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.setRGB(x, y, ((x * 11 + seed * 7) & 0xff) << 16 | ((y * 13) & 0xff) << 8 | ((x * y + 40) & 0xff));
        }
        ImageIO.write(img, "png", file.toFile());
    }
}

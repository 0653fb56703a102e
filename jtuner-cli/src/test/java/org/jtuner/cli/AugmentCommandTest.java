package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jtuner.testing.Fixtures;
import org.jtuner.train.demo.DemoTokenizer;
import org.jtuner.train.demo.ShapesDataset;
import org.jtuner.vision.Images;
import org.jtuner.vision.RgbImage;
import org.jtuner.vision.augment.ImageAugmentConfig;
import org.jtuner.vision.augment.ImageAugmenter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AugmentCommandTest {
    /** The chained case wide_500x375.6 of the augmentation fixture, spelled as --op options: the same PNG comes out. */
    @Test
    void augmentWritesTheFixturesChainedCase(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.png");
        DatasetCommandsTest.Captured r = DatasetCommandsTest.run("augment",
                Fixtures.path("clip-image-processor", "wide_500x375.png").toString(),
                "--op", "resized_crop=103,170,232,179,336", "--op", "hue=0.0835", "--op", "brightness=1.0988",
                "--op", "contrast=1.2213", "--op", "saturation=1.0904", "--output", out.toString());
        assertThat(r.code()).isZero();
        assertThat(Images.read(out)).isEqualTo(Images.read(Fixtures.path("augmentation", "wide_500x375.6.png")));
        assertThat(DatasetCommandsTest.run("augment", out.toString(), "--op", "blur=3", "--output", out.toString()).code())
                .isEqualTo(2);
    }

    /** log-dataset --augment N writes the images epoch 0 trains on: the augmenter's draws for (train.seed, 0, sample). */
    @Test
    void logDatasetAugmentWritesThePreviews(@TempDir Path dir) throws Exception {
        List<ShapesDataset.Sample> samples = ShapesDataset.generate(dir, "s", 3, 0.0, 32, 3);
        DemoTokenizer.write(dir.resolve("tok"), ShapesDataset.vocabulary());
        StringBuilder jsonl = new StringBuilder();
        for (ShapesDataset.Sample s : samples) {
            jsonl.append("{\"id\": \"").append(s.id()).append("\", \"image\": \"").append(s.image())
                    .append("\", \"conversations\": [{\"from\": \"human\", \"value\": \"<image>\\n").append(s.question())
                    .append("\"}, {\"from\": \"gpt\", \"value\": \"").append(s.answer()).append("\"}]}\n");
        }
        Files.writeString(dir.resolve("data.jsonl"), jsonl);
        Files.writeString(dir.resolve("run.yaml"), """
                extends: demo_pretrain
                train: {seed: 7}
                data:
                  files: [%s]
                  image_folder: %s
                  tokenizer: %s
                  augment:
                    image:
                      random_resized_crop: {p: 1.0, scale: [0.5, 1.0]}
                      color_jitter: {p: 1.0, brightness: 0.3, hue: 0.05}
                """.formatted(dir.resolve("data.jsonl"), dir, dir.resolve("tok")));
        Path previews = dir.resolve("previews");
        DatasetCommandsTest.Captured r = DatasetCommandsTest.run("log-dataset", dir.resolve("run.yaml").toString(),
                "--augment", "2", "--augment-dir", previews.toString());
        assertThat(r.code()).as(r.out()).isZero();
        ImageAugmenter augmenter = new ImageAugmenter(new ImageAugmentConfig(
                new ImageAugmentConfig.Crop(1.0, null, 0.5, 1.0, 0.75, 4.0 / 3.0),
                new ImageAugmentConfig.Jitter(1.0, 0.3, 0, 0, 0.05), 0));
        for (int i = 0; i < 2; i++) {
            RgbImage original = Images.read(dir.resolve(samples.get(i).image()));
            assertThat(Images.read(previews.resolve("sample" + i + "_image0.png"))).isEqualTo(augmenter.apply(original, 7, 0, i, 0));
        }
        assertThat(previews.resolve("sample2_image0.png")).doesNotExist();
    }
}

package org.jtuner.data;

import static org.jtuner.data.TestData.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A small mixed dataset on disk: image, multi-image and text-only rows of different lengths. */
final class LoaderFixture {
    final Path dir;
    final Path data;
    final Path images;

    LoaderFixture(Path dir, int imageRows, int textRows) {
        this.dir = dir;
        this.images = dir.resolve("images");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < imageRows; i++) {
            png(images.resolve("i" + i + ".png"), 5 + i % 7, 4 + i % 5, 0x102030 * (i + 1));
            if (i % 5 == 4) {
                png(images.resolve("j" + i + ".png"), 6, 9, 0x405060);
                rows.add(row("img" + i, List.of("i" + i + ".png", "j" + i + ".png"), "<image> and <image>: " + "w".repeat(i % 9), "ok " + i));
            } else {
                rows.add(row("img" + i, List.of("i" + i + ".png"), "<image>\nWhat" + "?".repeat(i % 11), "Answer " + i));
            }
        }
        for (int i = 0; i < textRows; i++) rows.add(row("txt" + i, null, "Question " + "x".repeat(i % 13), "Reply " + i));
        this.data = jsonl(dir.resolve("data.jsonl"), rows.toArray(String[]::new));
    }

    DataConfig config() {
        return TestData.config(List.of(data), images, "vicuna");
    }

    ClipImageLoader imageLoader() {
        return new ClipImageLoader(tinyProcessor(), true);
    }
}

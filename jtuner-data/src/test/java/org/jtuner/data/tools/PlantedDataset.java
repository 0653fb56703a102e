package org.jtuner.data.tools;

import static org.jtuner.data.TestData.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jtuner.data.DataConfig;

/** A small dataset in two files with one of each kind of problem planted, and a config for it. */
final class PlantedDataset {
    final Path dir;
    final Path jsonl;
    final Path json;
    final Path images;

    PlantedDataset(Path dir) {
        this.dir = dir;
        this.images = dir.resolve("images");
        png(images.resolve("cat.png"), 12, 8, 0x808080);
        png(images.resolve("dog.png"), 8, 12, 0x204060);
        try {
            Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        jsonl = jsonl(dir.resolve("data.jsonl"),
                row("good1", List.of("cat.png"), "What is this?\n<image>", "A cat."),                      // 1
                "{\"id\": \"malformed\", \"conversations\": [",                                                  // 2
                row("missing", List.of("nowhere.png"), "<image>\nWhat?", "Nothing."),                         // 3
                row("broken", List.of("broken.png"), "<image>\nWhat?", "Broken."),                            // 4
                "{\"id\": \"speaker\", \"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gtp\", \"value\": \"yo\"}]}", // 5
                row("count", List.of("cat.png"), "No placeholder here", "Hm."),                               // 6
                row("long", null, "Tell me", "x".repeat(80)),                                                 // 7
                row("cut", List.of("cat.png", "dog.png"), "<image>" + "y".repeat(52) + "<image>", "Both."),   // 8
                row("noanswer", null, "Only a question"),                                                     // 9
                row("text1", null, "Hi", "Hello."),                                                           // 10
                row("multi", List.of("cat.png", "dog.png"), "<image> or <image>?", "The first."));            // 11
        json = dir.resolve("extra.json");
        try {
            Files.writeString(json, "[\n" + row("extra", List.of("dog.png"), "<image>\nAnd this?", "A dog.") + "\n]\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    DataConfig config() {
        return DataConfig.of(List.of(jsonl, json), images, "vicuna", tokenizerDir()).withImageTokens(IMAGE, 3).withMaxLength(64).withBatching(2, 2);
    }
}

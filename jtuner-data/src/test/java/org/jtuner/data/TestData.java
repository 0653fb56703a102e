package org.jtuner.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.imageio.ImageIO;

import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.vision.ClipImageProcessor;
import org.jtuner.vision.ClipProcessorConfig;
import org.jtuner.vision.ResampleFilter;

/** Shared test material: the hand-made byte tokenizer, small images, LLaVA rows written to files. */
public final class TestData {
    /** Ids of the byte tokenizer's added tokens (see the README beside it). */
    public static final int BOS = 256, EOS = 257, IM_START = 258, IM_END = 259, START_HEADER = 260, END_HEADER = 261,
            EOT = 262, EOH = 263, EOA = 264, END = 265, START_OF_TURN = 266, END_OF_TURN = 267, ENDOFTEXT = 268,
            IMAGE = 269, PAD = 270;

    private TestData() {}

    public static Path tokenizerDir() {
        try {
            return Path.of(TestData.class.getResource("byte-tokenizer/tokenizer.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Tokenizer tokenizer() {
        try {
            return Tokenizer.load(tokenizerDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The byte tokenizer with another tokenizer_config.json. */
    public static Tokenizer tokenizer(String configJson) {
        try {
            return Tokenizer.fromJson(Files.readString(tokenizerDir().resolve("tokenizer.json")), configJson);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The UTF-8 bytes of {@code text}: its ids under the byte tokenizer. */
    public static int[] bytes(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i] & 0xff;
        return out;
    }

    /** A CLIP processor producing 3x8x8 pixels (shortest edge 8, centre crop 8), fast enough for tests. */
    public static ClipImageProcessor tinyProcessor() {
        return new ClipImageProcessor(new ClipProcessorConfig(true, ClipProcessorConfig.Size.shortestEdge(8), ResampleFilter.BICUBIC,
                true, 8, 8, true, 1 / 255.0, true, ClipProcessorConfig.CLIP_MEAN, ClipProcessorConfig.CLIP_STD));
    }

    /** Writes a w x h PNG filled with one colour. */
    public static Path png(Path file, int w, int h, int rgb) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, rgb);
            ImageIO.write(img, "png", file.toFile());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes rows (JSON text, one per line) as a .jsonl file. */
    public static Path jsonl(Path file, String... rows) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, String.join("\n", rows) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A LLaVA row: {@code messages} alternate human, gpt, human, ... ; {@code images} may be null (text only). */
    public static String row(String id, List<String> images, String... messages) {
        StringBuilder s = new StringBuilder("{\"id\": \"").append(id).append('"');
        if (images != null) {
            s.append(", \"image\": ");
            if (images.size() == 1) s.append(json(images.getFirst()));
            else s.append(images.stream().map(TestData::json).toList());
        }
        s.append(", \"conversations\": [");
        List<String> turns = new ArrayList<>();
        for (int i = 0; i < messages.length; i++) {
            turns.add("{\"from\": \"" + (i % 2 == 0 ? "human" : "gpt") + "\", \"value\": " + json(messages[i]) + "}");
        }
        return s.append(String.join(", ", turns)).append("]}").toString();
    }

    static String json(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** A config over {@code files} with the byte tokenizer and small settings. */
    public static DataConfig config(List<Path> files, Path imageFolder, String template) {
        return DataConfig.of(files, imageFolder, template, tokenizerDir()).withImageTokens(IMAGE, 3).withBatching(2, 0);
    }
}

package org.jtuner.train.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The demo's synthetic visual question answering data: small images of coloured shapes on a light background,
 * questions about colour, shape, count and position with one-word answers, and some text-only questions, written
 * in LLaVA's json format with the images beside it.
 */
public final class ShapesDataset {
    public static final List<String> COLORS = List.of("red", "green", "blue", "yellow");
    public static final List<String> SHAPES = List.of("circle", "square", "triangle");
    public static final List<String> COUNTS = List.of("one", "two", "three");
    public static final List<String> POSITIONS = List.of("left", "right", "top", "bottom");
    private static final Color[] RGB = {new Color(220, 40, 40), new Color(40, 170, 60), new Color(40, 70, 220),
        new Color(230, 200, 30)};

    /** Question templates by kind; the answer is always one word. */
    static final String COLOR_Q = "what color is the shape ?";
    static final String SHAPE_Q = "what shape is it ?";
    static final String COUNT_Q = "how many shapes are there ?";
    static final String POSITION_Q = "where is the shape ?";

    /** Text-only questions with fixed answers: arithmetic on small numbers written as words. */
    static final List<String[]> TEXT_QA = List.of(
            new String[] {"what is one plus one ?", "two"}, new String[] {"what is one plus two ?", "three"},
            new String[] {"what is two plus one ?", "three"}, new String[] {"what is two minus one ?", "one"},
            new String[] {"what is three minus one ?", "two"}, new String[] {"what is three minus two ?", "one"},
            new String[] {"what color is the sky ?", "blue"}, new String[] {"what color is grass ?", "green"});

    /** One question about one image (or none). */
    public record Sample(String id, String image, String question, String answer) {}

    /**
     * A sample with what its image shows (indices into COLORS, SHAPES, POSITIONS; count 1 to 3) and the kind of
     * question (0 colour, 1 shape, 2 count, 3 position, -1 text-only), for answers that describe the image.
     */
    public record Scene(Sample sample, int kind, int color, int shape, int count, int position) {}

    private ShapesDataset() {}

    /** Every word the data can contain, for the demo's tokenizer. */
    public static List<String> vocabulary() {
        List<String> words = new ArrayList<>();
        for (String s : List.of(COLOR_Q, SHAPE_Q, COUNT_Q, POSITION_Q)) addWords(words, s);
        for (String[] qa : TEXT_QA) {
            addWords(words, qa[0]);
            addWords(words, qa[1]);
        }
        for (List<String> l : List.of(COLORS, SHAPES, COUNTS, POSITIONS)) for (String w : l) addWords(words, w);
        return words;
    }

    private static void addWords(List<String> words, String text) {
        for (String w : text.split(" ")) if (!w.isEmpty() && !words.contains(w)) words.add(w);
    }

    /**
     * Writes {@code n} samples (images under {@code dir/images}) and returns them; a fraction {@code textOnly}
     * are text-only. Seeded: the same arguments give the same files.
     */
    public static List<Sample> generate(Path dir, String prefix, int n, double textOnly, int imageSize, long seed) {
        return generateScenes(dir, prefix, n, textOnly, imageSize, seed).stream().map(Scene::sample).toList();
    }

    /** As {@link #generate}, with what each image shows. */
    public static List<Scene> generateScenes(Path dir, String prefix, int n, double textOnly, int imageSize, long seed) {
        Random r = new Random(seed);
        List<Scene> out = new ArrayList<>();
        try {
            Files.createDirectories(dir.resolve("images"));
            for (int i = 0; i < n; i++) {
                String id = prefix + "-" + i;
                if (r.nextDouble() < textOnly) {
                    String[] qa = TEXT_QA.get(r.nextInt(TEXT_QA.size()));
                    out.add(new Scene(new Sample(id, null, qa[0], qa[1]), -1, -1, -1, 0, -1));
                    continue;
                }
                int color = r.nextInt(COLORS.size()), shape = r.nextInt(SHAPES.size());
                int kind = r.nextInt(4);
                int count = kind == 2 ? 1 + r.nextInt(3) : 1;
                int position = r.nextInt(POSITIONS.size());
                BufferedImage img = draw(imageSize, color, shape, count, position, r);
                String file = "images/" + id + ".png";
                ImageIO.write(img, "png", dir.resolve(file).toFile());
                String[] qa = switch (kind) {
                    case 0 -> new String[] {COLOR_Q, COLORS.get(color)};
                    case 1 -> new String[] {SHAPE_Q, SHAPES.get(shape)};
                    case 2 -> new String[] {COUNT_Q, COUNTS.get(count - 1)};
                    default -> new String[] {POSITION_Q, POSITIONS.get(position)};
                };
                out.add(new Scene(new Sample(id, file, qa[0], qa[1]), kind, color, shape, count, position));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo data under " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** One shape placed in a quadrant-free half (position), or several spread across the image (count). */
    static BufferedImage draw(int size, int color, int shape, int count, int position, Random r) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(235, 235, 235));
        g.fillRect(0, 0, size, size);
        g.setColor(RGB[color]);
        g.setStroke(new BasicStroke(1));
        int s = count == 1 ? size * 2 / 5 : size / 4;
        for (int k = 0; k < count; k++) {
            int cx, cy;
            if (count == 1) {
                int jitter = size / 10;
                int far = size * 3 / 4, near = size / 4, mid = size / 2;
                cx = switch (position) { case 0 -> near; case 1 -> far; default -> mid; } + r.nextInt(jitter) - jitter / 2;
                cy = switch (position) { case 2 -> near; case 3 -> far; default -> mid; } + r.nextInt(jitter) - jitter / 2;
            } else {
                // spread along a diagonal so the shapes never overlap
                cx = size * (2 * k + 1) / (2 * count);
                cy = (k % 2 == 0 ? size / 3 : size * 2 / 3);
            }
            int x = cx - s / 2, y = cy - s / 2;
            switch (shape) {
                case 0 -> g.fillOval(x, y, s, s);
                case 1 -> g.fillRect(x, y, s, s);
                default -> g.fillPolygon(new Polygon(new int[] {cx, x, x + s}, new int[] {y, y + s, y + s}, 3));
            }
        }
        g.dispose();
        return img;
    }

    /** Writes samples as a LLaVA json list ({@code <image>\n} before the question of image samples). */
    public static void writeJson(Path file, List<Sample> samples) {
        ObjectMapper json = new ObjectMapper();
        ArrayNode rows = json.createArrayNode();
        for (Sample s : samples) {
            ObjectNode row = rows.addObject();
            row.put("id", s.id());
            if (s.image() != null) row.put("image", s.image());
            ArrayNode conv = row.putArray("conversations");
            conv.addObject().put("from", "human").put("value", (s.image() != null ? "<image>\n" : "") + s.question());
            conv.addObject().put("from", "gpt").put("value", s.answer());
        }
        try {
            json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), rows);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}

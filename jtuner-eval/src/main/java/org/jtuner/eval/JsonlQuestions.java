package org.jtuner.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.vision.Images;
import org.jtuner.vision.RgbImage;

/**
 * LLaVA-format question files (jsonl: {@code question_id}, {@code image} relative to an image folder, {@code text},
 * and the ground truth: {@code answers} / {@code answer} for VQA, {@code label} / {@code answer} for yes/no). A
 * malformed line is named by its line number and question_id, and skipped or fails.
 */
final class JsonlQuestions {
    record Item(String questionId, String text, RgbImage image, JsonNode json) {
        Question question(String system) {
            return new Question(system, image == null ? text : "<image>\n" + text, image == null ? List.of() : List.of(image));
        }
    }

    private JsonlQuestions() {}

    static List<Item> read(Path jsonl, Path imageFolder, OnBadRow onBad, Consumer<String> log, Consumer<JsonNode> validate)
            throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(jsonl, StandardCharsets.UTF_8);
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            String id = "?";
            try {
                JsonNode n = json.readTree(lines.get(i));
                if (!n.isObject()) throw new IllegalArgumentException("not a json object");
                id = n.path("question_id").asText("?");
                String text = n.hasNonNull("text") ? n.get("text").asText() : n.path("question").asText(null);
                if (text == null) throw new IllegalArgumentException("no \"text\" (the question)");
                validate.accept(n);
                RgbImage image = null;
                if (n.hasNonNull("image")) {
                    Path p = (imageFolder == null ? jsonl.toAbsolutePath().getParent() : imageFolder).resolve(n.get("image").asText());
                    image = Images.read(p);
                }
                out.add(new Item(id, text, image, n));
            } catch (IOException | IllegalArgumentException e) {
                String message = jsonl + " line " + (i + 1) + " (question_id " + id + "): " + e.getMessage();
                if (onBad == OnBadRow.FAIL) throw new IllegalArgumentException(message + " (--on-bad-row skip leaves such lines out)");
                log.accept("skipped " + message);
            }
        }
        return out;
    }
}

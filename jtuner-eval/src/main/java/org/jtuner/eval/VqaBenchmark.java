package org.jtuner.eval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Open-ended VQA from LLaVA-format jsonl ({@code question_id}, {@code image}, {@code text}, and the humans'
 * {@code answers}: a list of strings or of {"answer": ...} objects, as VQAv2's annotations hold them), scored with
 * {@link VqaScoring} (VQAv2's official accuracy). A line with a single {@code answer} string instead counts as right
 * when the normalised prediction equals the normalised answer (the leave-one-out rule needs several humans).
 * Accuracy overall and per {@code answer_type} (VQAv2's yes/no, number, other) or else per {@code category}.
 */
public final class VqaBenchmark {
    /** One scored question: its id, the model's answer, its accuracy in [0, 1]. */
    public record Prediction(String questionId, String answer, double accuracy) {}

    public record Result(double accuracy, int total, Map<String, double[]> byType, List<Prediction> predictions) {
        public ObjectNode toJson() {
            ObjectMapper json = new ObjectMapper();
            ObjectNode o = json.createObjectNode().put("accuracy", accuracy).put("total", total);
            if (!byType.isEmpty()) {
                ObjectNode t = o.putObject("type");
                byType.forEach((k, v) -> t.putObject(k).put("accuracy", v[0] / v[1]).put("total", (int) v[1]));
            }
            return o;
        }

        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-14s %8s %7s%n", "type", "acc %", "total"));
            byType.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%-14s %8.2f %7d%n", k, 100 * v[0] / v[1], (int) v[1])));
            sb.append(String.format(Locale.ROOT, "%-14s %8.2f %7d%n", "overall", 100 * accuracy, total));
            return sb.toString();
        }
    }

    private VqaBenchmark() {}

    public static Result evaluate(Path jsonl, Path imageFolder, Answerer answerer, String system, int batchSize,
                                  OnBadRow onBad, Consumer<String> log, Progress progress) throws IOException {
        List<JsonlQuestions.Item> items = JsonlQuestions.read(jsonl, imageFolder, onBad, log, VqaBenchmark::humans);
        List<String> answers = Batches.answerAll(items.stream().map(i -> i.question(system)).toList(), answerer, batchSize, progress);
        Map<String, double[]> byType = new TreeMap<>();
        List<Prediction> predictions = new ArrayList<>();
        double sum = 0;
        for (int i = 0; i < items.size(); i++) {
            JsonNode n = items.get(i).json();
            List<String> humans = humans(n);
            double acc = humans.size() == 1
                    ? (VqaScoring.normalize(answers.get(i).strip()).equals(VqaScoring.normalize(humans.getFirst().strip())) ? 1 : 0)
                    : VqaScoring.accuracy(answers.get(i), humans);
            sum += acc;
            String type = n.hasNonNull("answer_type") ? n.get("answer_type").asText() : n.path("category").asText(null);
            if (type != null) {
                double[] t = byType.computeIfAbsent(type, k -> new double[2]);
                t[0] += acc;
                t[1]++;
            }
            predictions.add(new Prediction(items.get(i).questionId(), answers.get(i), acc));
        }
        return new Result(items.isEmpty() ? 0 : sum / items.size(), items.size(), byType, predictions);
    }

    /** The humans' answers of a line: {@code answers} (strings or {"answer": ...}) or a single {@code answer}. */
    static List<String> humans(JsonNode n) {
        List<String> out = new ArrayList<>();
        JsonNode a = n.get("answers");
        if (a != null && a.isArray()) {
            for (JsonNode x : a) {
                JsonNode text = x.isObject() ? x.get("answer") : x;
                if (text == null || !text.isValueNode()) throw new IllegalArgumentException("\"answers\" holds " + x + ", not an answer");
                out.add(text.asText());
            }
        } else if (a != null && a.isValueNode()) {
            out.add(a.asText());
        } else if (n.hasNonNull("answer")) {
            out.add(n.get("answer").asText());
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no \"answers\" (the humans' answers) to score against");
        return out;
    }
}

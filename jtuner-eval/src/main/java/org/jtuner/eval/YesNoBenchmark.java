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
 * Yes/no benchmarks (POPE, MME-style): the answer is read as LLaVA's POPE evaluation reads it (its first sentence,
 * commas removed, split on spaces: "no" when a word is "No", "no" or "not", else "yes"); "yes" is the positive
 * class. Reports accuracy, precision, recall, F1 and the yes-ratio, overall and per {@code category} when the lines
 * have one; and, where lines have an {@code image}, MME's acc+: the share of images (within a category) all of
 * whose questions (MME asks two per image) are answered right, with MME's score 100 × (accuracy + acc+).
 */
public final class YesNoBenchmark {
    public record Counts(int tp, int fp, int tn, int fn) {
        public int total() { return tp + fp + tn + fn; }
        public double accuracy() { return ratio(tp + tn, total()); }
        public double precision() { return ratio(tp, tp + fp); }
        public double recall() { return ratio(tp, tp + fn); }
        public double f1() {
            double p = precision(), r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }
        public double yesRatio() { return ratio(tp + fp, total()); }

        Counts plus(boolean truthYes, boolean predictedYes) {
            return new Counts(tp + (truthYes && predictedYes ? 1 : 0), fp + (!truthYes && predictedYes ? 1 : 0),
                    tn + (!truthYes && !predictedYes ? 1 : 0), fn + (truthYes && !predictedYes ? 1 : 0));
        }

        ObjectNode toJson(ObjectMapper json) {
            return json.createObjectNode().put("accuracy", accuracy()).put("precision", precision()).put("recall", recall())
                    .put("f1", f1()).put("yes_ratio", yesRatio()).put("total", total());
        }

        private static double ratio(int a, int b) {
            return b == 0 ? 0 : (double) a / b;
        }
    }

    /**
     * The scores; {@code accPlus} and {@code accPlusByCategory} count images (right = every question of the image
     * right) and are empty (total 0) when no line has an image.
     */
    public record Result(Counts overall, Map<String, Counts> byCategory, List<String[]> predictions,
                         Accuracy accPlus, Map<String, Accuracy> accPlusByCategory) {
        public ObjectNode toJson() {
            ObjectMapper json = new ObjectMapper();
            ObjectNode o = overall.toJson(json);
            if (accPlus.total() > 0) putAccPlus(o, overall, accPlus);
            if (!byCategory.isEmpty()) {
                ObjectNode c = o.putObject("category");
                byCategory.forEach((k, v) -> {
                    ObjectNode n = v.toJson(json);
                    Accuracy plus = accPlusByCategory.get(k);
                    if (plus != null) putAccPlus(n, v, plus);
                    c.set(k, n);
                });
            }
            return o;
        }

        /** MME's score of a category: 100 × (accuracy + acc+). */
        public double mmeScore(String category) {
            return 100 * (byCategory.get(category).accuracy() + accPlusByCategory.get(category).value());
        }

        private static void putAccPlus(ObjectNode n, Counts c, Accuracy plus) {
            n.put("acc_plus", plus.value()).put("images", plus.total()).put("mme_score", 100 * (c.accuracy() + plus.value()));
        }

        public String table() {
            boolean plus = accPlus.total() > 0;
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-14s %8s %9s %7s %6s %9s%s%n",
                    "category", "acc %", "precision", "recall", "F1", "yes-ratio", plus ? "   acc+ %  MME score" : ""));
            byCategory.forEach((k, v) -> row(sb, k, v, plus ? accPlusByCategory.get(k) : null));
            row(sb, "overall", overall, plus ? accPlus : null);
            return sb.toString();
        }

        private static void row(StringBuilder sb, String name, Counts c, Accuracy plus) {
            sb.append(String.format(Locale.ROOT, "%-14s %8.1f %9.3f %7.3f %6.3f %9.3f", name, 100 * c.accuracy(),
                    c.precision(), c.recall(), c.f1(), c.yesRatio()));
            if (plus != null && plus.total() > 0) {
                sb.append(String.format(Locale.ROOT, " %9.1f %10.1f", 100 * plus.value(), 100 * (c.accuracy() + plus.value())));
            }
            sb.append(System.lineSeparator());
        }
    }

    private YesNoBenchmark() {}

    /** LLaVA's POPE reading of an answer: true for yes. */
    public static boolean readsAsYes(String answer) {
        String text = answer;
        int dot = text.indexOf('.');
        if (dot >= 0) text = text.substring(0, dot);
        text = text.replace(",", "");
        for (String w : text.split(" ", -1)) if (w.equals("No") || w.equals("no") || w.equals("not")) return false;
        return true;
    }

    public static Result evaluate(Path jsonl, Path imageFolder, Answerer answerer, String system, int batchSize,
                                  OnBadRow onBad, Consumer<String> log, Progress progress) throws IOException {
        List<JsonlQuestions.Item> items = JsonlQuestions.read(jsonl, imageFolder, onBad, log, n -> truth(n));
        List<String> answers = Batches.answerAll(items.stream().map(i -> i.question(system)).toList(), answerer, batchSize, progress);
        Counts overall = new Counts(0, 0, 0, 0);
        Map<String, Counts> byCategory = new TreeMap<>();
        List<String[]> predictions = new ArrayList<>();
        Map<List<String>, Boolean> imagesRight = new java.util.LinkedHashMap<>(); // (category, image) -> all right so far
        for (int i = 0; i < items.size(); i++) {
            boolean truth = truth(items.get(i).json()), predicted = readsAsYes(answers.get(i));
            overall = overall.plus(truth, predicted);
            String category = items.get(i).json().path("category").asText(null);
            if (category != null) byCategory.put(category, byCategory.getOrDefault(category, new Counts(0, 0, 0, 0)).plus(truth, predicted));
            predictions.add(new String[] {items.get(i).questionId(), answers.get(i), predicted ? "yes" : "no", truth ? "yes" : "no"});
            String image = items.get(i).json().path("image").asText(null);
            if (image != null) imagesRight.merge(List.of(category == null ? "" : category, image), truth == predicted, Boolean::logicalAnd);
        }
        Accuracy accPlus = new Accuracy(0, 0);
        Map<String, Accuracy> accPlusByCategory = new TreeMap<>();
        for (var e : imagesRight.entrySet()) {
            accPlus = accPlus.plus(e.getValue());
            String category = e.getKey().getFirst();
            if (!category.isEmpty()) accPlusByCategory.merge(category, new Accuracy(0, 0).plus(e.getValue()),
                    (a, b) -> new Accuracy(a.right() + b.right(), a.total() + b.total()));
        }
        return new Result(overall, byCategory, predictions, accPlus, accPlusByCategory);
    }

    private static boolean truth(JsonNode n) {
        String label = n.hasNonNull("label") ? n.get("label").asText() : n.path("answer").asText(null);
        if (label == null) throw new IllegalArgumentException("no \"label\" (or \"answer\") yes/no");
        String l = label.strip().toLowerCase(Locale.ROOT);
        if (!l.equals("yes") && !l.equals("no")) throw new IllegalArgumentException("label '" + label + "' is neither yes nor no");
        return l.equals("yes");
    }
}

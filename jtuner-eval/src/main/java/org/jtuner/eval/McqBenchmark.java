package org.jtuner.eval;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.Images;
import org.jtuner.vision.RgbImage;

/**
 * Multiple-choice benchmarks in VLMEvalKit's / MMBench's TSV (MMBench, SEED-Bench, ScienceQA, AI2D, MMStar, ...):
 * columns {@code index}, {@code question}, {@code hint}, options {@code A}, {@code B}, ..., {@code answer},
 * {@code category}, {@code l2-category}, {@code image} (base64, a path relative to the TSV, or, as in the official
 * circular files, the index of the row that holds the image), {@code split}.
 *
 * <p>Prompts as XTuner's {@code mmbench} tool builds them: {@code <image>\n}, the hint and a space when there is
 * one, the question, a space, {@code There are several options:\n} and one {@code X. text\n} line per option; the
 * system text (default "Answer with the option's letter from the given choices directly.") goes into the template's
 * SYSTEM. The predicted letter is XTuner's: the first match of {@code ([A-D]+)} in the answer; when there is none,
 * the option whose text (alone among the options) occurs in the answer, case-insensitively (VLMEvalKit's
 * {@code can_infer_text}).
 */
public final class McqBenchmark {
    public static final String XTUNER_SYSTEM = "Answer with the option's letter from the given choices directly.";
    private static final Pattern XTUNER_LETTERS = Pattern.compile("([A-D]+)");
    private static final String LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /** How the prompt is built: XTuner's mmbench text, or the question alone (for models not trained on options). */
    public enum PromptStyle { XTUNER, QUESTION }

    private McqBenchmark() {}

    // ---------------------------------------------------------------- reading

    /** The rows of a TSV; a malformed row (named by its index) is skipped with a message to {@code log}, or fails. */
    public static List<McqRow> read(Path tsv, OnBadRow onBad, Consumer<String> log) throws IOException {
        List<CSVRecord> records;
        List<String> header;
        try (Reader r = Files.newBufferedReader(tsv, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.TDF.builder().setHeader().setSkipHeaderRecord(true).setIgnoreSurroundingSpaces(false)
                     .get().parse(r)) {
            header = p.getHeaderNames();
            records = p.getRecords();
        } catch (UncheckedIOException e) {
            throw new IOException(tsv + ": " + e.getMessage(), e);
        }
        for (String required : List.of("index", "question")) {
            if (!header.contains(required)) {
                throw new IllegalArgumentException(tsv + ": no '" + required + "' column (VLMEvalKit TSV columns: index, "
                        + "question, hint, A, B, ..., answer, category, l2-category, image, split)");
            }
        }
        Map<String, String> imageByIndex = new HashMap<>();
        for (CSVRecord rec : records) {
            String img = get(rec, header, "image");
            if (img != null && !isIndexReference(img)) imageByIndex.put(get(rec, header, "index"), img);
        }
        List<McqRow> rows = new ArrayList<>();
        int line = 1;
        for (CSVRecord rec : records) {
            line++;
            String idx = get(rec, header, "index");
            try {
                rows.add(row(tsv, rec, header, imageByIndex));
            } catch (IllegalArgumentException | ImageReadException e) {
                String message = tsv + ": row index " + (idx == null ? "?" : idx) + " (line " + line + "): " + e.getMessage();
                if (onBad == OnBadRow.FAIL) {
                    throw new IllegalArgumentException(message + " (--on-bad-row skip leaves such rows out)");
                }
                log.accept("skipped " + message);
            }
        }
        return rows;
    }

    private static McqRow row(Path tsv, CSVRecord rec, List<String> header, Map<String, String> imageByIndex)
            throws ImageReadException {
        String idx = get(rec, header, "index");
        if (idx == null) throw new IllegalArgumentException("no index");
        long index;
        try {
            index = Math.round(Double.parseDouble(idx));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("index '" + idx + "' is not a number");
        }
        String question = get(rec, header, "question");
        if (question == null) throw new IllegalArgumentException("no question");
        LinkedHashMap<String, String> options = new LinkedHashMap<>();
        boolean gap = false;
        for (char c : LETTERS.toCharArray()) {
            String letter = String.valueOf(c);
            if (!header.contains(letter)) break;
            String text = get(rec, header, letter);
            if (text == null) {
                gap = true;
                continue;
            }
            if (gap) {
                throw new IllegalArgumentException("option " + (char) (c - 1) + " is missing before option " + letter
                        + " (options must run A, B, ... without gaps)");
            }
            options.put(letter, text);
        }
        if (options.size() < 2) {
            throw new IllegalArgumentException("has " + options.size() + " option(s); a multiple-choice row needs at least A and B");
        }
        String answer = get(rec, header, "answer");
        if (answer != null && !options.containsKey(answer.strip())) {
            throw new IllegalArgumentException("answer '" + answer + "' is not one of its options " + options.keySet());
        }
        RgbImage image = null;
        String img = get(rec, header, "image");
        if (img != null) {
            String data = isIndexReference(img) ? imageByIndex.get(img) : img;
            if (data == null) throw new IllegalArgumentException("image refers to row index " + img + ", which has no image");
            image = decodeImage(tsv, data);
        } else if (get(rec, header, "image_path") != null) {
            image = Images.read(tsv.toAbsolutePath().getParent().resolve(get(rec, header, "image_path")));
        }
        Map<String, String> columns = new LinkedHashMap<>();
        for (String h : header) if (!h.equals("image")) columns.put(h, rec.isSet(h) ? rec.get(h) : "");
        return new McqRow(index, question, get(rec, header, "hint"), options, answer == null ? null : answer.strip(),
                get(rec, header, "category"), get(rec, header, "l2-category"), get(rec, header, "split"), image, columns);
    }

    private static boolean isIndexReference(String image) {
        return image.length() <= 64 && image.chars().allMatch(Character::isDigit);
    }

    private static RgbImage decodeImage(Path tsv, String data) throws ImageReadException {
        if (data.length() < 1024) { // a path, relative to the TSV's folder
            Path p = tsv.toAbsolutePath().getParent().resolve(data);
            if (Files.isRegularFile(p)) return Images.read(p);
        }
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("image is neither valid base64 nor a file next to the TSV: " + e.getMessage());
        }
        return Images.decode(bytes, "the row's base64 image");
    }

    /** A cell, or null when absent, empty or pandas' NaN. */
    private static String get(CSVRecord rec, List<String> header, String column) {
        if (!header.contains(column) || !rec.isSet(column)) return null;
        String v = rec.get(column);
        return v == null || v.isEmpty() || v.equals("nan") || v.equals("NaN") ? null : v;
    }

    // ---------------------------------------------------------------- rotations

    /**
     * MMBench's circular rotations, for files that have none: a question with k options gets k - 1 more rows, the
     * options shifted by 1 .. k-1 (option j shows what option (j + shift) mod k showed), the answer letter moved with
     * its text, the index + shift × 1,000,000. Rows that already have rotations are left as they are.
     */
    public static List<McqRow> circularize(List<McqRow> rows) {
        Map<Long, Integer> perQuestion = new HashMap<>();
        for (McqRow r : rows) perQuestion.merge(r.questionId(), 1, Integer::sum);
        List<McqRow> out = new ArrayList<>(rows);
        for (McqRow r : rows) {
            if (perQuestion.get(r.questionId()) > 1 || r.index() >= McqRow.ROTATION_STRIDE) continue;
            List<String> letters = new ArrayList<>(r.options().keySet());
            List<String> texts = new ArrayList<>(r.options().values());
            int k = letters.size();
            for (int shift = 1; shift < k; shift++) {
                LinkedHashMap<String, String> options = new LinkedHashMap<>();
                String answer = null;
                for (int j = 0; j < k; j++) {
                    int from = (j + shift) % k;
                    options.put(letters.get(j), texts.get(from));
                    if (letters.get(from).equals(r.answer())) answer = letters.get(j);
                }
                long index = r.index() + shift * McqRow.ROTATION_STRIDE;
                Map<String, String> columns = new LinkedHashMap<>(r.columns());
                columns.put("index", Long.toString(index));
                options.forEach(columns::put);
                if (answer != null) columns.put("answer", answer);
                out.add(new McqRow(index, r.question(), r.hint(), options, answer, r.category(), r.l2Category(), r.split(),
                        r.image(), columns));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- prompts and answers

    /** The question as the model sees it (see the class comment). */
    public static Question question(McqRow r, PromptStyle style, String system) {
        String image = r.image() == null ? "" : "<image>\n";
        String text;
        if (style == PromptStyle.QUESTION) {
            text = image + (r.hint() == null ? "" : r.hint() + " ") + r.question();
        } else {
            StringBuilder options = new StringBuilder("There are several options:\n");
            r.options().forEach((k, v) -> options.append(k).append(". ").append(v).append('\n'));
            text = image + (r.hint() == null ? "" : r.hint() + " ") + r.question() + " " + options;
        }
        return new Question(system, text, r.image() == null ? List.of() : List.of(r.image()));
    }

    /** The predicted letter of an answer ("" when none can be told), see the class comment. */
    public static String extractLetter(String answer, Map<String, String> options) {
        Matcher m = XTUNER_LETTERS.matcher(answer);
        if (m.find()) return m.group(1);
        String lower = answer.toLowerCase(Locale.ROOT);
        String found = "";
        for (var e : options.entrySet()) {
            if (lower.contains(e.getValue().toLowerCase(Locale.ROOT))) {
                if (!found.isEmpty()) return "";
                found = e.getKey();
            }
        }
        return found;
    }

    // ---------------------------------------------------------------- evaluation

    /** Answers every row and scores it. */
    public static McqResult evaluate(List<McqRow> rows, Answerer answerer, PromptStyle style, String system, int batchSize,
                                     Progress progress) {
        List<Question> questions = rows.stream().map(r -> question(r, style, system)).toList();
        List<String> answers = Batches.answerAll(questions, answerer, batchSize, progress);
        List<McqResult.Prediction> predictions = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            McqRow r = rows.get(i);
            predictions.add(new McqResult.Prediction(r, answers.get(i), extractLetter(answers.get(i), r.options())));
        }
        return new McqResult(predictions);
    }
}

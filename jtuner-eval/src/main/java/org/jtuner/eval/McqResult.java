package org.jtuner.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;

/**
 * The scored predictions of a multiple-choice run. Vanilla accuracy counts every row (each rotation on its own);
 * circular accuracy counts a question (its rows share {@code index mod 1,000,000}) right only when every one of
 * its rows is right. Both overall, per {@code category} and per {@code l2-category}. Rows without an answer (test
 * splits) are written out but not scored.
 */
public final class McqResult {
    public record Prediction(McqRow row, String answer, String letter) {
        public boolean hit() {
            return row.answer() != null && row.answer().equals(letter);
        }
    }

    static {
        // POI logs through Log4j's API; without a provider it complains on stderr. The API's own simple logger is enough.
        if (System.getProperty("log4j2.loggerContextFactory") == null) {
            System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
        }
    }

    private final List<Prediction> predictions;

    McqResult(List<Prediction> predictions) {
        this.predictions = List.copyOf(predictions);
    }

    public List<Prediction> predictions() {
        return predictions;
    }

    public Accuracy vanilla() {
        Accuracy a = new Accuracy(0, 0);
        for (Prediction p : scored()) a = a.plus(p.hit());
        return a;
    }

    public Accuracy circular() {
        Accuracy a = new Accuracy(0, 0);
        for (List<Prediction> group : groups().values()) a = a.plus(group.stream().allMatch(Prediction::hit));
        return a;
    }

    /** Vanilla accuracy per value of a column ("category" or "l2-category"). */
    public Map<String, Accuracy> vanillaBy(String column) {
        Map<String, Accuracy> out = new TreeMap<>();
        for (Prediction p : scored()) out.merge(key(p.row(), column), new Accuracy(p.hit() ? 1 : 0, 1), McqResult::sum);
        return out;
    }

    /** Circular accuracy per value of a column (a question's first row decides its group). */
    public Map<String, Accuracy> circularBy(String column) {
        Map<String, Accuracy> out = new TreeMap<>();
        for (List<Prediction> g : groups().values()) {
            out.merge(key(g.getFirst().row(), column), new Accuracy(g.stream().allMatch(Prediction::hit) ? 1 : 0, 1), McqResult::sum);
        }
        return out;
    }

    /** Whether any question was asked in more than one rotation. */
    public boolean hasRotations() {
        return groups().values().stream().anyMatch(g -> g.size() > 1);
    }

    private static Accuracy sum(Accuracy a, Accuracy b) {
        return new Accuracy(a.right() + b.right(), a.total() + b.total());
    }

    private static String key(McqRow r, String column) {
        String v = column.equals("category") ? r.category() : r.l2Category();
        return v == null ? "(none)" : v;
    }

    private List<Prediction> scored() {
        return predictions.stream().filter(p -> p.row().answer() != null).toList();
    }

    private Map<Long, List<Prediction>> groups() {
        Map<Long, List<Prediction>> out = new LinkedHashMap<>();
        for (Prediction p : scored()) out.computeIfAbsent(p.row().questionId(), k -> new ArrayList<>()).add(p);
        return out;
    }

    // ---------------------------------------------------------------- reports

    public ObjectNode toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("rows", predictions.size());
        o.put("scored_rows", scored().size());
        o.put("questions", groups().size());
        put(o.putObject("vanilla"), vanilla(), vanillaBy("category"), vanillaBy("l2-category"));
        if (hasRotations()) put(o.putObject("circular"), circular(), circularBy("category"), circularBy("l2-category"));
        return o;
    }

    private static void put(ObjectNode o, Accuracy overall, Map<String, Accuracy> byCategory, Map<String, Accuracy> byL2) {
        o.put("accuracy", overall.value()).put("right", overall.right()).put("total", overall.total());
        ObjectNode c = o.putObject("category");
        byCategory.forEach((k, a) -> c.put(k, a.value()));
        ObjectNode l2 = o.putObject("l2-category");
        byL2.forEach((k, a) -> l2.put(k, a.value()));
    }

    /** A readable table: accuracy (%) per category, vanilla and (with rotations) circular. */
    public String table() {
        boolean circular = hasRotations();
        Map<String, Accuracy> v = vanillaBy("category"), c = circularBy("category");
        int width = 8;
        for (String k : v.keySet()) width = Math.max(width, k.length());
        StringBuilder sb = new StringBuilder();
        String fmt = "%-" + width + "s  %9s" + (circular ? "  %9s" : "%s") + "%n";
        sb.append(String.format(Locale.ROOT, fmt, "category", "vanilla %", circular ? "circular %" : ""));
        for (String k : v.keySet()) {
            sb.append(String.format(Locale.ROOT, fmt, k, pct(v.get(k)), circular ? pct(c.get(k)) : ""));
        }
        sb.append(String.format(Locale.ROOT, fmt, "overall", pct(vanilla()), circular ? pct(circular()) : ""));
        return sb.toString();
    }

    private static String pct(Accuracy a) {
        return a == null ? "-" : String.format(Locale.ROOT, "%.1f", 100 * a.value());
    }

    /** The rows' columns (without the image) plus {@code prediction} (the letter) and the model's raw answer. */
    private List<String> header() {
        LinkedHashSet<String> h = new LinkedHashSet<>();
        for (Prediction p : predictions) h.addAll(p.row().columns().keySet());
        h.add("prediction");
        h.add("raw_answer");
        return new ArrayList<>(h);
    }

    private static String cell(Prediction p, String column) {
        return switch (column) {
            case "prediction" -> p.letter();
            case "raw_answer" -> p.answer();
            default -> p.row().columns().getOrDefault(column, "");
        };
    }

    public void writeTsv(Path file) throws IOException {
        List<String> header = header();
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             CSVPrinter out = new CSVPrinter(w, CSVFormat.TDF.builder().setHeader(header.toArray(String[]::new)).get())) {
            for (Prediction p : predictions) {
                List<String> row = new ArrayList<>();
                for (String c : header) row.add(cell(p, c));
                out.printRecord(row);
            }
        }
    }

    /** The predictions as an xlsx sheet, the form MMBench's submission takes for test splits. */
    public void writeXlsx(Path file) throws IOException {
        List<String> header = header();
        try (XSSFWorkbook book = new XSSFWorkbook(); OutputStream out = Files.newOutputStream(file)) {
            Sheet sheet = book.createSheet("predictions");
            Row top = sheet.createRow(0);
            for (int c = 0; c < header.size(); c++) top.createCell(c).setCellValue(header.get(c));
            for (int r = 0; r < predictions.size(); r++) {
                Row row = sheet.createRow(r + 1);
                for (int c = 0; c < header.size(); c++) {
                    String v = cell(predictions.get(r), header.get(c));
                    if (header.get(c).equals("index")) row.createCell(c).setCellValue(Double.parseDouble(v));
                    else row.createCell(c).setCellValue(v);
                }
            }
            book.write(out);
        }
    }
}

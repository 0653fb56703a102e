package org.jtuner.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MMBench-style TSVs made by hand: prompts, letter extraction, the circular rule, categories, malformed rows. */
class McqBenchmarkTest {
    static final String HEADER = "index\tquestion\thint\tA\tB\tC\tD\tanswer\tcategory\tl2-category\timage\tsplit";

    static String pngBase64(int rgb) throws Exception {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img.setRGB(x, y, rgb);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** Eight questions, answers A, B, C, D twice each, two categories. */
    static Path eightQuestions(Path dir) throws Exception {
        StringBuilder tsv = new StringBuilder(HEADER).append('\n');
        String image = pngBase64(0xff0000);
        String letters = "ABCD";
        for (int i = 0; i < 8; i++) {
            tsv.append(i).append("\tWhich is number ").append(i).append("?\t").append(i == 0 ? "A hint." : "nan");
            for (int k = 0; k < 4; k++) tsv.append("\topt").append(i).append('_').append(k);
            tsv.append('\t').append(letters.charAt(i % 4)).append('\t').append(i < 4 ? "alpha" : "beta")
                    .append("\tl2x\t").append(image).append("\tdev\n");
        }
        Path file = dir.resolve("bench.tsv");
        Files.writeString(file, tsv);
        return file;
    }

    static List<String> always(String answer, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(answer);
        return out;
    }

    @Test
    void aModelThatAlwaysAnswersAScoresZeroCircularlyAndAQuarterOtherwise(@TempDir Path dir) throws Exception {
        List<McqRow> rows = McqBenchmark.read(eightQuestions(dir), OnBadRow.FAIL, m -> {});
        assertThat(rows).hasSize(8);
        McqResult plain = McqBenchmark.evaluate(rows, b -> always("A", b.size()), McqBenchmark.PromptStyle.XTUNER,
                McqBenchmark.XTUNER_SYSTEM, 3, Progress.NONE);
        assertThat(plain.vanilla()).isEqualTo(new Accuracy(2, 8));
        assertThat(plain.hasRotations()).isFalse();

        List<McqRow> circular = McqBenchmark.circularize(rows);
        assertThat(circular).hasSize(32);
        assertThat(circular.stream().filter(r -> r.index() == 3_000_005L).findFirst().orElseThrow().options().get("A"))
                .as("rotation 3 of question 5 shows its option D first").isEqualTo("opt5_3");
        McqResult r = McqBenchmark.evaluate(circular, b -> always("A", b.size()), McqBenchmark.PromptStyle.XTUNER,
                McqBenchmark.XTUNER_SYSTEM, 5, Progress.NONE);
        assertThat(r.vanilla()).isEqualTo(new Accuracy(8, 32));   // each question's answer is A in one rotation of four
        assertThat(r.circular()).isEqualTo(new Accuracy(0, 8));
        assertThat(r.vanillaBy("category")).containsEntry("alpha", new Accuracy(4, 16)).containsEntry("beta", new Accuracy(4, 16));
        assertThat(r.circularBy("category")).containsEntry("alpha", new Accuracy(0, 4));
        assertThat(r.toJson().get("circular").get("accuracy").asDouble()).isZero();
        assertThat(r.toJson().get("vanilla").get("accuracy").asDouble()).isCloseTo(0.25, within(1e-12));
        assertThat(r.table()).contains("alpha").contains("overall").contains("25.0");
    }

    @Test
    void aModelThatNamesTheRightOptionTextIsRightUnderEveryRotationAndPerCategory(@TempDir Path dir) throws Exception {
        List<McqRow> rows = McqBenchmark.circularize(McqBenchmark.read(eightQuestions(dir), OnBadRow.FAIL, m -> {}));
        // the answer text of question i is opt<i>_<answer position>; questions in "beta" answered wrongly in rotation 2
        Answerer knows = batch -> batch.stream().map(q -> {
            int i = Integer.parseInt(q.text().replaceAll("(?s).*number (\\d+)\\?.*", "$1"));
            String right = "opt" + i + "_" + (i % 4);
            boolean spoil = i >= 4 && q.text().contains("A. opt" + i + "_" + ((i % 4 + 2) % 4) + "\n") ;
            return spoil ? "opt" + i + "_" + ((i % 4 + 1) % 4) : "It is " + right.toUpperCase();
        }).toList();
        McqResult r = McqBenchmark.evaluate(rows, knows, McqBenchmark.PromptStyle.XTUNER, null, 8, Progress.NONE);
        assertThat(r.circularBy("category")).containsEntry("alpha", new Accuracy(4, 4)).containsEntry("beta", new Accuracy(0, 4));
        assertThat(r.vanillaBy("category")).containsEntry("beta", new Accuracy(12, 16));
        assertThat(r.circular()).isEqualTo(new Accuracy(4, 8));
    }

    @Test
    void promptsAreBuiltAsXtunersMmbenchToolBuildsThem(@TempDir Path dir) throws Exception {
        List<McqRow> rows = McqBenchmark.read(eightQuestions(dir), OnBadRow.FAIL, m -> {});
        Question q = McqBenchmark.question(rows.get(0), McqBenchmark.PromptStyle.XTUNER, McqBenchmark.XTUNER_SYSTEM);
        assertThat(q.text()).isEqualTo("<image>\nA hint. Which is number 0? There are several options:\n"
                + "A. opt0_0\nB. opt0_1\nC. opt0_2\nD. opt0_3\n");
        assertThat(q.system()).isEqualTo("Answer with the option's letter from the given choices directly.");
        assertThat(q.images()).hasSize(1);
        assertThat(McqBenchmark.question(rows.get(1), McqBenchmark.PromptStyle.QUESTION, null).text())
                .isEqualTo("<image>\nWhich is number 1?");
    }

    @Test
    void theLetterIsXtunersFirstRunOfAToDElseTheOnlyOptionTextNamed() {
        Map<String, String> options = new LinkedHashMap<>(Map.of("A", "red", "B", "green", "C", "blue"));
        assertThat(McqBenchmark.extractLetter("B", options)).isEqualTo("B");
        assertThat(McqBenchmark.extractLetter("The answer is C.", options)).isEqualTo("C"); // 'T' is not in A-D
        assertThat(McqBenchmark.extractLetter("AB", options)).isEqualTo("AB");
        assertThat(McqBenchmark.extractLetter("green", options)).isEqualTo("B");
        assertThat(McqBenchmark.extractLetter("red or blue", options)).isEmpty();
        assertThat(McqBenchmark.extractLetter("purple", options)).isEmpty();
    }

    @Test
    void malformedRowsAreNamedByIndexAndSkippedOrFail(@TempDir Path dir) throws Exception {
        String good = pngBase64(0x00ff00);
        String tsv = HEADER + "\n"
                + "10\tok?\tnan\tx\ty\tz\tw\tA\tc\tl\t" + good + "\tdev\n"
                + "11\tmissing B?\tnan\tx\t\tz\tw\tA\tc\tl\t" + good + "\tdev\n"
                + "12\tbad image?\tnan\tx\ty\tz\tw\tB\tc\tl\t" + "not-base64!!" + "x".repeat(1100) + "\tdev\n"
                + "13\tanswer E?\tnan\tx\ty\tz\tw\tE\tc\tl\t" + good + "\tdev\n"
                + "1000010\trotation sharing the image?\tnan\ty\tz\tw\tx\tD\tc\tl\t10\tdev\n";
        Path file = dir.resolve("bad.tsv");
        Files.writeString(file, tsv);
        List<String> log = new ArrayList<>();
        List<McqRow> rows = McqBenchmark.read(file, OnBadRow.SKIP, log::add);
        assertThat(rows).extracting(McqRow::index).containsExactly(10L, 1_000_010L);
        assertThat(rows.get(1).image()).as("an image given as the index of another row").isNotNull();
        assertThat(log).hasSize(3);
        assertThat(log.get(0)).contains("row index 11").contains("option B is missing");
        assertThat(log.get(1)).contains("row index 12").contains("base64");
        assertThat(log.get(2)).contains("row index 13").contains("answer 'E'");
        assertThatThrownBy(() -> McqBenchmark.read(file, OnBadRow.FAIL, m -> {}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row index 11");
    }

    @Test
    void predictionsAreWrittenAsTsvAndXlsx(@TempDir Path dir) throws Exception {
        List<McqRow> rows = McqBenchmark.read(eightQuestions(dir), OnBadRow.FAIL, m -> {});
        McqResult r = McqBenchmark.evaluate(rows, b -> always("B", b.size()), McqBenchmark.PromptStyle.XTUNER, null, 4, Progress.NONE);
        Path tsv = dir.resolve("pred.tsv"), xlsx = dir.resolve("pred.xlsx");
        r.writeTsv(tsv);
        r.writeXlsx(xlsx);
        List<McqRow> back = McqBenchmark.read(tsv, OnBadRow.FAIL, m -> {});
        assertThat(back).hasSize(8);
        assertThat(Files.readAllLines(tsv).getFirst()).contains("prediction").doesNotContain("image");
        try (InputStream in = Files.newInputStream(xlsx); XSSFWorkbook book = new XSSFWorkbook(in)) {
            var sheet = book.getSheetAt(0);
            assertThat(sheet.getLastRowNum()).isEqualTo(8);
            int col = 0;
            while (!sheet.getRow(0).getCell(col).getStringCellValue().equals("prediction")) col++;
            assertThat(sheet.getRow(3).getCell(col).getStringCellValue()).isEqualTo("B");
            assertThat(sheet.getRow(3).getCell(0).getNumericCellValue()).isEqualTo(2.0);
        }
    }
}

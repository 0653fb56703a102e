package org.jtuner.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POPE-style yes/no scoring against counts worked out by hand. */
class YesNoBenchmarkTest {
    @Test
    void answersAreReadAsLlavasPopeEvaluationReadsThem() {
        assertThat(YesNoBenchmark.readsAsYes("Yes, there is a dog.")).isTrue();
        assertThat(YesNoBenchmark.readsAsYes("No, there is not.")).isFalse();
        assertThat(YesNoBenchmark.readsAsYes("There is not a cat")).isFalse();
        assertThat(YesNoBenchmark.readsAsYes("Yes. But no cat.")).as("only the first sentence counts").isTrue();
        assertThat(YesNoBenchmark.readsAsYes("Nope")).isTrue();
    }

    @Test
    void accuracyPrecisionRecallF1AndYesRatio(@TempDir Path dir) throws Exception {
        // truths y y y n n n n, answers yes yes no yes no no no: TP 2, FN 1, FP 1, TN 3
        String[] truth = {"yes", "yes", "yes", "no", "no", "no", "no"};
        String[] said = {"Yes", "yes.", "No", "Yes", "no", "No, not", "no"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < truth.length; i++) {
            lines.add("{\"question_id\": " + i + ", \"text\": \"Is there a thing?\", \"label\": \"" + truth[i]
                    + "\", \"category\": \"" + (i < 4 ? "random" : "adversarial") + "\"}");
        }
        lines.add("{\"question_id\": 99, \"text\": \"broken\", \"label\": \"maybe\"}");
        Path file = dir.resolve("pope.jsonl");
        Files.write(file, lines);
        List<String> log = new ArrayList<>();
        int[] next = {0};
        YesNoBenchmark.Result r = YesNoBenchmark.evaluate(file, null,
                b -> b.stream().map(q -> said[next[0]++]).toList(), null, 3, OnBadRow.SKIP, log::add, Progress.NONE);
        assertThat(log).singleElement().asString().contains("question_id 99").contains("maybe");
        assertThat(r.overall()).isEqualTo(new YesNoBenchmark.Counts(2, 1, 3, 1));
        assertThat(r.overall().accuracy()).isCloseTo(5 / 7.0, within(1e-12));
        assertThat(r.overall().precision()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(r.overall().recall()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(r.overall().f1()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(r.overall().yesRatio()).isCloseTo(3 / 7.0, within(1e-12));
        assertThat(r.byCategory().get("random")).isEqualTo(new YesNoBenchmark.Counts(2, 1, 0, 1));
        assertThat(r.table()).contains("overall");
    }
    @Test
    void mmeAccPlusCountsAnImageOnlyWhenBothOfItsQuestionsAreRight(@TempDir Path dir) throws Exception {
        for (String name : List.of("a.png", "b.png", "c.png", "d.png")) {
            javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(4, 4, java.awt.image.BufferedImage.TYPE_INT_RGB),
                    "png", dir.resolve(name).toFile());
        }
        // MME's shape: two questions per image, one whose truth is yes and one whose truth is no.
        String[][] rows = {
                {"existence", "a.png", "yes", "Yes"}, {"existence", "a.png", "no", "No"},  // both right
                {"existence", "b.png", "yes", "Yes"}, {"existence", "b.png", "no", "Yes"}, // one wrong
                {"count", "c.png", "yes", "No"}, {"count", "c.png", "no", "Yes"},          // both wrong
                {"count", "d.png", "yes", "Yes"}, {"count", "d.png", "no", "No"}};         // both right
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            lines.add("{\"question_id\": " + i + ", \"image\": \"" + rows[i][1] + "\", \"text\": \"Is it?\", \"label\": \""
                    + rows[i][2] + "\", \"category\": \"" + rows[i][0] + "\"}");
        }
        Path file = dir.resolve("mme.jsonl");
        Files.write(file, lines);
        int[] next = {0};
        YesNoBenchmark.Result r = YesNoBenchmark.evaluate(file, null, b -> b.stream().map(q -> rows[next[0]++][3]).toList(),
                null, 3, OnBadRow.FAIL, s -> { }, Progress.NONE);
        assertThat(r.accPlusByCategory().get("existence")).isEqualTo(new Accuracy(1, 2));
        assertThat(r.accPlusByCategory().get("count")).isEqualTo(new Accuracy(1, 2));
        assertThat(r.accPlus()).isEqualTo(new Accuracy(2, 4));
        assertThat(r.byCategory().get("existence").accuracy()).isEqualTo(0.75);
        assertThat(r.byCategory().get("count").accuracy()).isEqualTo(0.5);
        assertThat(r.mmeScore("existence")).isCloseTo(125, within(1e-9));
        assertThat(r.mmeScore("count")).isCloseTo(100, within(1e-9));
        assertThat(r.toJson().get("category").get("existence").get("acc_plus").asDouble()).isEqualTo(0.5);
        assertThat(r.table()).contains("acc+").contains("125.0");
    }
}

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
}

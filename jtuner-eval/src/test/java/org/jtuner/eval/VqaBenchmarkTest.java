package org.jtuner.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Open-ended VQA over a jsonl: accuracies worked out by hand, per answer type, bad lines named. */
class VqaBenchmarkTest {
    @Test
    void scoresEachLineAndEachAnswerType(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("vqa.jsonl");
        Files.write(file, List.of(
                "{\"question_id\": 1, \"text\": \"How many?\", \"answer_type\": \"number\", \"answers\": "
                        + "[\"2\", \"two\", \"2\", \"3\", \"2\", \"2\", \"2\", \"2\", \"2\", \"2\"]}",
                "{\"question_id\": 2, \"text\": \"Color?\", \"answer_type\": \"other\", \"answers\": "
                        + "[{\"answer\": \"red\"}, {\"answer\": \"blue\"}, {\"answer\": \"blue\"}, {\"answer\": \"blue\"}, {\"answer\": \"blue\"},"
                        + " {\"answer\": \"blue\"}, {\"answer\": \"blue\"}, {\"answer\": \"blue\"}, {\"answer\": \"blue\"}, {\"answer\": \"green\"}]}",
                "{\"question_id\": 3, \"text\": \"What?\", \"answer_type\": \"other\", \"answer\": \"The Dog\"}",
                "{\"question_id\": 4, \"text\": \"Broken\"}"));
        List<String> said = List.of("Two.", "red", "dog");
        int[] next = {0};
        List<String> log = new ArrayList<>();
        VqaBenchmark.Result r = VqaBenchmark.evaluate(file, null, b -> b.stream().map(q -> said.get(next[0]++)).toList(),
                null, 2, OnBadRow.SKIP, log::add, Progress.NONE);
        assertThat(log).singleElement().asString().contains("line 4").contains("question_id 4").contains("answers");
        // 1: "two" normalises to "2", which nine humans said: 1. 2: one human said red: leaving him out 0, else 1/3: 9/30.
        // 3: a single answer, "the dog" -> "dog": right.
        assertThat(r.predictions()).extracting(VqaBenchmark.Prediction::accuracy).containsExactly(1.0, 0.3, 1.0);
        assertThat(r.accuracy()).isCloseTo(2.3 / 3, within(1e-12));
        assertThat(r.byType()).containsOnlyKeys("number", "other");
        Map<String, double[]> t = r.byType();
        assertThat(t.get("other")[0] / t.get("other")[1]).isCloseTo(0.65, within(1e-12));
        assertThat(r.table()).contains("overall").contains("76.67");
        assertThatThrownBy(() -> VqaBenchmark.evaluate(file, null, b -> b.stream().map(q -> "x").toList(), null, 2,
                OnBadRow.FAIL, log::add, Progress.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vqa.jsonl line 4 (question_id 4)");
    }
}

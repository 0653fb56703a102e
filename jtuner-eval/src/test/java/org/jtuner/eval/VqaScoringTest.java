package org.jtuner.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

/**
 * VQAv2 scoring against the official evaluation's own output: src/test/resources/vqa/vqa_reference.jsonl was made
 * by make_reference.py beside it, which runs VQAEval from GT-Vision-Lab/VQA's vqaEval.py (commit a013f00) under
 * Debian's python3 on 356 strings (hand-picked edge cases and seeded random ones) and 200 questions with ten human
 * answers each.
 */
class VqaScoringTest {
    static List<JsonNode> reference() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                VqaScoringTest.class.getResourceAsStream("/vqa/vqa_reference.jsonl"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) out.add(json.readTree(line));
        }
        return out;
    }

    @Test
    void normalisationEqualsTheOfficialScriptsOnEveryReferenceString() throws Exception {
        int n = 0;
        for (JsonNode c : reference()) {
            if (!c.has("text")) continue;
            String text = c.get("text").asText();
            assertThat(VqaScoring.punctuation(text)).as("processPunctuation(%s)", text).isEqualTo(c.get("punct").asText());
            assertThat(VqaScoring.normalize(text)).as("processDigitArticle(processPunctuation(%s))", text)
                    .isEqualTo(c.get("normalized").asText());
            n++;
        }
        assertThat(n).isEqualTo(356);
    }

    @Test
    void accuracyEqualsTheOfficialScriptsOnEveryReferenceQuestion() throws Exception {
        int n = 0, partial = 0;
        for (JsonNode c : reference()) {
            if (!c.has("answers")) continue;
            List<String> humans = new ArrayList<>();
            c.get("answers").forEach(a -> humans.add(a.asText()));
            double expected = c.get("accuracy").asDouble();
            assertThat(VqaScoring.accuracy(c.get("prediction").asText(), humans)).as("question %s", c.get("question_id"))
                    .isEqualTo(expected);
            if (expected > 0 && expected < 1) partial++;
            n++;
        }
        assertThat(n).isEqualTo(200);
        assertThat(partial).as("cases with partial credit").isGreaterThan(50);
    }

    @Test
    void theHandWorkedRule() {
        // three of ten humans said "2": leaving out one of those three leaves 2 matches (2/3), else 3 (1): (3*2/3 + 7)/10
        List<String> humans = List.of("2", "two", "Two.", "3", "3", "3", "3", "3", "3", "3");
        assertThat(VqaScoring.accuracy("two", humans)).isEqualTo((3 * (2 / 3.0) + 7) / 10);
        // all ten agree: nothing is normalised, so "Two." does not match "two"
        assertThat(VqaScoring.accuracy("two", List.of("Two.", "Two.", "Two.", "Two.", "Two.", "Two.", "Two.", "Two.", "Two.", "Two.")))
                .isZero();
    }
}

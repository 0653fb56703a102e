package org.jtuner.train.cot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CotBenchmarkTest {
    static String staged(String conclusion) {
        return "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION><REASONING>r</REASONING><CONCLUSION>" + conclusion + "</CONCLUSION>";
    }

    @Test
    void theFinalAnswerComesFromTheConclusionAndIsMatchedByLetterOrNormalisedText() {
        assertThat(CotScoring.finalAnswer(staged(" B "))).isEqualTo("B");
        assertThat(CotScoring.finalAnswer("just 4")).isEqualTo("just 4");
        // multiple choice: the letter decides, however it is decorated
        assertThat(CotScoring.correct(staged("**B**"), staged("B"))).isTrue();
        assertThat(CotScoring.correct(staged("B. blue"), "B")).isTrue();
        assertThat(CotScoring.correct(staged("(B)"), staged("B. blue"))).isTrue();
        assertThat(CotScoring.correct(staged("C"), staged("B"))).isFalse();
        assertThat(CotScoring.correct(staged("Blue"), staged("B"))).isFalse();
        // open answers: lower case, punctuation and articles do not matter, words do
        assertThat(CotScoring.correct(staged("The red circle."), staged("red circle"))).isTrue();
        assertThat(CotScoring.correct(staged("$24.99"), staged("$24 99"))).isTrue();
        assertThat(CotScoring.correct(staged("a blue circle"), staged("red circle"))).isFalse();
        assertThat(CotScoring.correct(staged("A red square"), staged("a red square"))).isTrue(); // the article, not option A
        assertThat(CotScoring.structureValid(staged("x"))).isTrue();
        assertThat(CotScoring.structureValid("<SUMMARY>s</SUMMARY><CONCLUSION>x</CONCLUSION>")).isFalse();
    }

    @Test
    void aBenchmarkFileIsScoredPerItem(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bench.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"id\": \"q1\", \"image\": \"a.png\", \"conversations\": [{\"from\": \"human\", \"value\": \"<image>\\nHow many? A. 1 B. 2\"}, {\"from\": \"gpt\", \"value\": \"" + staged("B") + "\"}]}",
                "{\"id\": \"q2\", \"conversations\": [{\"from\": \"human\", \"value\": \"Colour?\"}, {\"from\": \"gpt\", \"value\": \"red\"}]}",
                "{\"id\": \"q3\", \"conversations\": [{\"from\": \"human\", \"value\": \"Shape?\"}, {\"from\": \"gpt\", \"value\": \"" + staged("circle") + "\"}]}",
                "{\"id\": \"q4\", \"conversations\": [{\"from\": \"human\", \"value\": \"Size?\"}, {\"from\": \"gpt\", \"value\": \"" + staged("big") + "\"}]}"));
        List<CotBenchmark.Item> items = CotBenchmark.read(file, null);
        assertThat(items).extracting(CotBenchmark.Item::question).containsExactly("How many? A. 1 B. 2", "Colour?", "Shape?", "Size?");
        assertThat(items.getFirst().image()).isEqualTo(dir.resolve("a.png"));
        assertThat(items.get(1).image()).isNull();
        Map<String, String> model = Map.of(
                "How many? A. 1 B. 2", staged("B"),          // right, well formed
                "Colour?", "red",                              // right, no stages
                "Shape?", staged("square"),                    // wrong, well formed
                "Size?", "<SUMMARY>s</SUMMARY><CONCLUSION>big"); // right answer read from an unclosed conclusion
        CotBenchmark.Score s = CotBenchmark.score(file, items, (q, image) -> model.get(q));
        assertThat(s.items()).isEqualTo(4);
        assertThat(s.correct()).isEqualTo(3);
        assertThat(s.wellFormed()).isEqualTo(2);
        assertThat(s.accuracy()).isEqualTo(0.75);
        assertThat(s.structureValidity()).isEqualTo(0.5);

        Files.writeString(dir.resolve("bad.jsonl"), "{\"id\": \"x\", \"conversations\": [{\"from\": \"human\", \"value\": \"Q\"}]}\n");
        assertThatThrownBy(() -> CotBenchmark.read(dir.resolve("bad.jsonl"), null)).hasMessageContaining("bad.jsonl:1 (id x)");
    }
}

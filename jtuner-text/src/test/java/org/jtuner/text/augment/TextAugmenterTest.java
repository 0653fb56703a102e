package org.jtuner.text.augment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.text.cot.CotStages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Property tests over every sample of a small LLaVA-CoT-style dataset (cot_samples.jsonl, written by hand in the
 * format of LLaVA-CoT-100k: inline and one-per-line options, parenthesised letters, prices, quotes, times), each
 * under many seeds. The protected spans are found here by the test's own patterns, not by the augmenter's.
 */
class TextAugmenterTest {
    record Sample(String id, String question, String answer) {}

    static List<Sample> samples = new ArrayList<>();

    @BeforeAll
    static void read() throws IOException {
        try (InputStream in = TextAugmenterTest.class.getResourceAsStream("cot_samples.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) continue;
                JsonNode row = new ObjectMapper().readTree(line);
                samples.add(new Sample(row.get("id").asText(), row.get("conversations").get(0).get("value").asText(),
                        row.get("conversations").get(1).get("value").asText()));
            }
        }
        assertThat(samples).hasSize(12);
    }

    static final Pattern TAGS = Pattern.compile("</?[A-Z]+>|<image>");
    static final Pattern NUMBERS = Pattern.compile("\\d+");
    static final Pattern QUOTES = Pattern.compile("\"[^\"]*\"");
    static final Pattern LETTERS = Pattern.compile("\\b[A-Z]\\b");

    static List<String> all(Pattern p, String s) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    @Test
    void synonymReplacementKeepsEveryProtectedSpanAndUsesSamePosSynonyms() {
        TextAugmenter aug = new TextAugmenter(new TextAugmentConfig(0.4, 0, 0, List.of(), List.of()));
        WordNetSynonyms wn = WordNetSynonyms.get();
        int replaced = 0;
        for (Sample s : samples) {
            for (int seed = 0; seed < 20; seed++) {
                TextAugmenter.Result r = aug.augment(s.question(), s.answer(), new SplittableRandom(seed));
                for (String[] pair : new String[][] {{s.question(), r.question()}, {s.answer(), r.answer()}}) {
                    for (Pattern p : List.of(TAGS, NUMBERS, QUOTES, LETTERS)) {
                        assertThat(all(p, pair[1])).as("%s seed %d: %s", s.id(), seed, p).isEqualTo(all(p, pair[0]));
                    }
                }
                assertThat(CotStages.parse(r.answer()).valid()).isTrue();
                assertThat(CotStages.conclusionOf(r.answer())).isEqualTo(CotStages.conclusionOf(s.answer()));
                List<TextAugmenter.Option> before = TextAugmenter.options(s.question()), after = TextAugmenter.options(r.question());
                assertThat(after).hasSameSizeAs(before);
                for (int i = 0; i < before.size(); i++) {
                    assertThat(text(r.question(), after.get(i))).isEqualTo(text(s.question(), before.get(i)));
                }
                // undoing the logged replacements gives back the input: nothing else changed
                assertThat(undo(r.question(), r.replacements(), false)).isEqualTo(s.question());
                assertThat(undo(r.answer(), r.replacements(), true)).isEqualTo(s.answer());
                for (TextAugmenter.Replacement x : r.replacements()) {
                    assertThat(wn.lookup(x.from()).pos()).isEqualTo(x.pos());
                    assertThat(wn.areSynonyms(x.from(), x.to(), x.pos())).as("%s -> %s", x.from(), x.to()).isTrue();
                    assertThat(x.to()).isNotEqualTo(x.from());
                }
                replaced += r.replacements().size();
            }
        }
        assertThat(replaced).as("words replaced over all samples and seeds").isGreaterThan(500);
    }

    @Test
    void optionShufflingRelabelsTheAnswerToTheSameOptionText() {
        TextAugmenter aug = new TextAugmenter(new TextAugmentConfig(0, 1.0, 0, List.of(), List.of()));
        int multipleChoice = 0, moved = 0;
        for (Sample s : samples) {
            List<TextAugmenter.Option> before = TextAugmenter.options(s.question());
            int letter = TextAugmenter.answerLetter(s.answer());
            if (before.isEmpty()) {
                assertThat(aug.augment(s.question(), s.answer(), new SplittableRandom(1)).optionOrder()).isNull();
                continue;
            }
            multipleChoice++;
            String answerText = text(s.question(), before.get(letter - 'A'));
            for (int seed = 0; seed < 30; seed++) {
                TextAugmenter.Result r = aug.augment(s.question(), s.answer(), new SplittableRandom(seed));
                List<TextAugmenter.Option> after = TextAugmenter.options(r.question());
                int newLetter = TextAugmenter.answerLetter(r.answer());
                assertThat(text(r.question(), after.get(newLetter - 'A'))).as("%s seed %d", s.id(), seed).isEqualTo(answerText);
                if (newLetter != letter) moved++;
                // the same options, each once; tags and numbers of the answer unchanged
                assertThat(after.stream().map(o -> text(r.question(), o)).sorted().toList())
                        .isEqualTo(before.stream().map(o -> text(s.question(), o)).sorted().toList());
                assertThat(all(TAGS, r.answer())).isEqualTo(all(TAGS, s.answer()));
                assertThat(r.answer().replaceAll("\\b[A-H]\\b", "?")).isEqualTo(s.answer().replaceAll("\\b[A-H]\\b", "?"));
            }
        }
        assertThat(multipleChoice).isEqualTo(7);
        assertThat(moved).isGreaterThan(100);
    }

    @Test
    void rewordingsAndSeedsBehave() {
        TextAugmenter aug = new TextAugmenter(new TextAugmentConfig(0.3, 0.5, 1.0, List.of("Answer the question:"),
                List.of("Please think step by step.")));
        Sample s = samples.getFirst();
        boolean sawPrefix = false, sawSuffix = false;
        for (int seed = 0; seed < 40; seed++) {
            TextAugmenter.Result r = aug.augment(s.question(), s.answer(), new SplittableRandom(seed));
            assertThat(aug.augment(s.question(), s.answer(), new SplittableRandom(seed))).usingRecursiveComparison().isEqualTo(r);
            assertThat(r.question()).startsWith("<image>\n");
            sawPrefix |= r.question().startsWith("<image>\nAnswer the question: ");
            sawSuffix |= r.question().endsWith("\nPlease think step by step.");
        }
        assertThat(sawPrefix).isTrue();
        assertThat(sawSuffix).isTrue();
    }

    static String text(String q, TextAugmenter.Option o) {
        return q.substring(o.textStart(), o.textEnd());
    }

    static String undo(String text, List<TextAugmenter.Replacement> reps, boolean answer) {
        StringBuilder b = new StringBuilder(text);
        List<TextAugmenter.Replacement> mine = reps.stream().filter(r -> r.inAnswer() == answer).toList();
        for (int i = mine.size() - 1; i >= 0; i--) {
            TextAugmenter.Replacement r = mine.get(i);
            assertThat(b.substring(r.start(), r.start() + r.to().length())).isEqualTo(r.to());
            b.replace(r.start(), r.start() + r.to().length(), r.from());
        }
        return b.toString();
    }
}

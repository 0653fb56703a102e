package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.jtuner.text.template.Turn;

class LlavaMapFnTest {
    private static RawSample row(List<String> images, String... fromValue) {
        List<RawSample.Message> messages = new ArrayList<>();
        for (int i = 0; i < fromValue.length; i += 2) messages.add(new RawSample.Message(fromValue[i], fromValue[i + 1]));
        return new RawSample(new SourceRef(Path.of("d.jsonl"), 7, "x"), images, messages);
    }

    @Test
    void singleImageMovesToTheFrontFollowedByNewline() {
        var m = LlavaMapFn.map(row(List.of("a.jpg"), "human", "  Describe <image> this.  ", "gpt", "A dog."));
        assertThat(m.ok()).isTrue();
        // XTuner: value.replace("<image>", "").strip(), then "<image>\n" + value, then strip().
        assertThat(m.turns()).containsExactly(Turn.of("<image>\nDescribe  this.", "A dog."));
    }

    @Test
    void leadingGptTurnsAreSkippedAndMultiTurnKeepsEveryRound() {
        var m = LlavaMapFn.map(row(List.of("a.jpg"), "gpt", "ignored", "human", "<image>\nQ1", "gpt", "A1",
                "human", "Q2", "human", " and Q3", "gpt", "A2", "human", "dangling"));
        assertThat(m.turns()).containsExactly(Turn.of("<image>\nQ1", "A1"), Turn.of("Q2 and Q3", "A2"));
    }

    @Test
    void severalPlaceholdersStayInPlace() {
        var m = LlavaMapFn.map(row(List.of("a.jpg", "b.jpg", "c.jpg"), "human", "Compare <image> with <image>.", "gpt", "Same.",
                "human", "And <image>?", "gpt", "Different."));
        assertThat(m.turns()).containsExactly(Turn.of("Compare <image> with <image>.", "Same."),
                Turn.of("<image>\nAnd ?", "Different."));
    }

    @Test
    void unknownSpeakerIsABadRowWithASuggestion() {
        var m = LlavaMapFn.map(row(List.of(), "human", "hi", "gtp", "hello"));
        assertThat(m.problem().kind()).isEqualTo(ProblemKind.UNKNOWN_FROM);
        assertThat(m.problem().message()).contains("turn 1", "'gtp'", "did you mean 'gpt'");
        assertThat(m.problem().source().toString()).isEqualTo("d.jsonl:7 (id x)");
    }

    @Test
    void placeholderCountMustMatchTheImages() {
        assertThat(LlavaMapFn.map(row(List.of("a.jpg"), "human", "no placeholder", "gpt", "x")).problem().message())
                .isEqualTo("0 <image> placeholders in the human turns but 1 image");
        assertThat(LlavaMapFn.map(row(List.of(), "human", "<image> but text only", "gpt", "x")).problem().kind())
                .isEqualTo(ProblemKind.IMAGE_COUNT_MISMATCH);
        assertThat(LlavaMapFn.map(row(List.of("a.jpg"), "human", "<image>", "gpt", "see <image>")).problem().message())
                .contains("an answer");
    }

    @Test
    void pythonStripKnowsPythonsWhitespace() {
        assertThat(LlavaMapFn.pythonStrip("\u00a0\u3000 x \u2028\u001f")).isEqualTo("x");
        assertThat(LlavaMapFn.pythonStrip("\u200bx")).isEqualTo("\u200bx"); // zero-width space is not whitespace in Python
    }
}

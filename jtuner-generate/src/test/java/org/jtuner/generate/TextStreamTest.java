package org.jtuner.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming and stop strings on llama2's tokenizer, whose byte fallback spells a character missing from its
 * vocabulary as one token per UTF-8 byte: the tokens of a text are fed one at a time, as a model would emit them.
 */
class TextStreamTest {
    static Tokenizer llama2;

    @BeforeAll
    static void load() throws Exception {
        llama2 = Tokenizer.load(Fixtures.path("tokenizers", "llama2"));
    }

    /** Feeds the text's tokens; returns the released pieces, one per token (possibly empty). */
    static List<String> feed(TextStream stream, String text) {
        List<String> pieces = new ArrayList<>();
        for (int id : llama2.encode(text, false)) {
            if (stream.stopped()) break;
            pieces.add(stream.add(id));
        }
        pieces.add(stream.finish());
        return pieces;
    }

    @Test
    void neverReleasesHalfACharacter() {
        String text = "Smile 🙂, 𝔘nicode 🦙 and 世界 done";
        assertThat(llama2.tokens(text)).as("the text needs byte-fallback tokens").contains("<0xF0>", "<0x9F>");
        List<String> pieces = feed(new TextStream(llama2, List.of()), text);
        for (String p : pieces) {
            assertThat(p).doesNotContain("\uFFFD");
            if (!p.isEmpty()) assertThat(Character.isLowSurrogate(p.charAt(0))).isFalse();
        }
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces.subList(0, pieces.size() - 1)).as("some token released nothing (an incomplete character)").contains("");
    }

    @Test
    void stopsAtAStopStringSplitAcrossTokensAndNeverShowsPartOfIt() {
        // "🙂 " occurs first without "END" after it: held back, then released once it cannot be the stop string
        String stop = "🙂END";
        String text = "ok 🙂 fine 🙂END and more";
        TextStream stream = new TextStream(llama2, List.of(stop));
        StringBuilder shown = new StringBuilder();
        for (String p : feed(stream, text)) {
            shown.append(p);
            assertThat(shown.toString()).doesNotContain("\uFFFD");
            assertThat("ok 🙂 fine ").as("what is shown is always a prefix of the text before the stop").startsWith(shown.toString());
        }
        assertThat(stream.stopped()).isTrue();
        assertThat(shown.toString()).isEqualTo("ok 🙂 fine ");
        assertThat(stream.text()).isEqualTo("ok 🙂 fine ");
    }

    @Test
    void aTextThatOnlyStartsLikeTheStopStringIsReleasedAtTheEnd() {
        TextStream stream = new TextStream(llama2, List.of("</answer>"));
        assertThat(String.join("", feed(stream, "the end </ans"))).isEqualTo("the end </ans");
        assertThat(stream.stopped()).isFalse();
    }
}

package org.jtuner.text.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.text.tokenizer.pretokenizer.SplitBehavior;
import org.jtuner.text.tokenizer.pretokenizer.SplitPreTokenizer;
import org.jtuner.text.tokenizer.util.SplitPattern;
import org.junit.jupiter.api.Test;

/**
 * Regexes in Oniguruma syntax behave as in the reference: {@code onig-cases.jsonl} holds, for each regex and text,
 * the pieces that tokenizers 0.23.2 kept with a Split(regex, Removed, invert=true), i.e. the matches.
 */
class OnigRegexTest {
    private static final String S1 = "a1\u0661\u0662\u0663\u00e9_x\u00a0\u2003AF09gz \u212akK \u00c9A";
    private static final String S2 = "ab\nab\na\nb xAb e\u0301 \u4e2d\u6587";

    @Test
    void matchesAreTheReferences() throws IOException {
        ObjectMapper json = new ObjectMapper();
        int checked = 0;
        try (InputStream in = getClass().getResourceAsStream("onig-cases.jsonl")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) continue;
                JsonNode c = json.readTree(line);
                String regex = c.get(0).asText();
                String text = c.get(1).asInt() == 1 ? S1 : S2;
                List<String> expected = new ArrayList<>();
                c.get(2).forEach(n -> expected.add(n.asText()));
                List<String> actual = new ArrayList<>();
                new SplitPreTokenizer(SplitPattern.regex(regex), SplitBehavior.REMOVED, true)
                        .preTokenize(text, true, (piece, atStart) -> actual.add(piece));
                assertThat(actual).as("%s on text %d", regex, c.get(1).asInt()).containsExactlyElementsOf(expected);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(34);
    }
}

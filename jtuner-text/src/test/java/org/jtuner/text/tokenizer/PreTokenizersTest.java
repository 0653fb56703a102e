package org.jtuner.text.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.text.tokenizer.pretokenizer.PreTokenizer;
import org.jtuner.text.tokenizer.pretokenizer.PreTokenizers;
import org.jtuner.text.tokenizer.pretokenizer.SplitBehavior;
import org.jtuner.text.tokenizer.pretokenizer.SplitPreTokenizer;
import org.jtuner.text.tokenizer.util.JsonSpec;
import org.jtuner.text.tokenizer.util.SplitPattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Split behaviours and the simple pre-tokenizers, against what the reference (tokenizers 0.23.2) produces. */
class PreTokenizersTest {
    private static List<String> pieces(PreTokenizer p, String text) {
        List<String> out = new ArrayList<>();
        p.preTokenize(text, true, (piece, atStart) -> out.add(piece));
        return out;
    }

    @ParameterizedTest(name = "{0} invert={1}")
    @CsvSource(delimiter = ';', value = {
            "REMOVED; false; a b c",
            "REMOVED; true; - - - - - -",
            "ISOLATED; false; - - a - b - - c -",
            "ISOLATED; true; - - a - b - - c -",
            "MERGED_WITH_PREVIOUS; false; - - a- b- - c-",
            "MERGED_WITH_PREVIOUS; true; - -a -b - -c -",
            "MERGED_WITH_NEXT; false; - -a -b - -c -",
            "MERGED_WITH_NEXT; true; - - a- b- - c-",
            "CONTIGUOUS; false; -- a - b -- c -",
            "CONTIGUOUS; true; -- a - b -- c -",
    })
    void splitBehaviours(SplitBehavior behavior, boolean invert, String expected) {
        var split = new SplitPreTokenizer(SplitPattern.literal("-"), behavior, invert);
        assertThat(pieces(split, "--a-b--c-")).containsExactly(expected.split(" "));
    }

    @Test
    void whitespacePreTokenizers() throws Exception {
        String text = "Hey, friend!  How\u00a0are_you?";
        assertThat(pieces(fromJson("{\"type\": \"Whitespace\"}"), text)).containsExactly("Hey", ",", "friend", "!", "How", "are_you", "?");
        assertThat(pieces(fromJson("{\"type\": \"WhitespaceSplit\"}"), text)).containsExactly("Hey,", "friend!", "How", "are_you?");
    }

    @Test
    void llama3PatternSplitsContractionsCaseInsensitivelyAndKeepsTrailingSpaceApart() throws Exception {
        PreTokenizer split = fromJson("""
                {"type": "Split", "behavior": "Isolated", "invert": false, "pattern": {"Regex":
                "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+"}}""");
        // U+017F folds to 's' (as in Oniguruma); U+00A0 and U+3000 are \\s; U+001C is not.
        assertThat(pieces(split, "it'ſx IT'LLx")).containsExactly("it", "'ſ", "x", " IT", "'LL", "x");
        assertThat(pieces(split, "a\u00a0b  \u00a0 x")).containsExactly("a", "\u00a0b", "  \u00a0", " x");
        assertThat(pieces(split, "x\u000c\u000b\u001c\u001d  y 1234567")).containsExactly("x", "\u000c", "\u000b", "\u001c\u001d", " ", " y", " ", "123", "456", "7");
    }

    private static PreTokenizer fromJson(String json) throws Exception {
        return PreTokenizers.fromJson(new JsonSpec(new ObjectMapper().readTree(json), "pre_tokenizer"));
    }
}

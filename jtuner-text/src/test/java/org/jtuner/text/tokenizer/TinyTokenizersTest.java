package org.jtuner.text.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Small hand-made tokenizers (in the test resources) that exercise one behaviour at a time: byte fallback, unknown
 * tokens, added-token splitting with lstrip/rstrip/single_word/normalized, Metaspace, merge order, and decoding of
 * cut byte sequences. The expected values were produced by the reference, tokenizers 0.23.2 (its npm package).
 */
class TinyTokenizersTest {
    // Vocabulary of tiny-sp: 0-2 <unk> <s> </s>, 3-258 <0x00>..<0xFF>, then these pieces.
    private static final int SPACE = 259, H = 260, I = 267, SPACE_H = 268, LLO = 271, HELLO = 272, SPACE_W = 273,
            R = 265, LD = 276, WORLD = 277, HI = 278, IMG = 280, SEP = 281;

    static Tokenizer tiny(String name) throws IOException {
        try {
            return Tokenizer.load(Path.of(TinyTokenizersTest.class.getResource(name + "/tokenizer.json").toURI()));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int bytes(int b) {
        return 3 + b;
    }

    @Test
    void charactersOutsideTheVocabularyFallBackToTheirBytes() throws IOException {
        Tokenizer tok = tiny("tiny-sp");
        assertThat(tok.encode("hello wörld", false)).containsExactly(HELLO, SPACE_W, bytes(0xC3), bytes(0xB6), R, LD);
        assertThat(tok.tokens("hello wörld")).containsExactly("▁hello", "▁w", "<0xC3>", "<0xB6>", "r", "ld");
        assertThat(tok.encode("🤗", false)).containsExactly(SPACE, bytes(0xF0), bytes(0x9F), bytes(0xA4), bytes(0x97));
        assertThat(tok.decode(tok.encode("hello wörld", false), false)).isEqualTo("hello wörld");
        assertThat(tok.decode(tok.encode("🤗", false), false)).isEqualTo("🤗");
    }

    @Test
    void withoutByteFallbackUnknownCharactersBecomeOneFusedUnknownToken() throws IOException {
        Tokenizer tok = tiny("tiny-sp-unk");
        assertThat(tok.encode("hello ääx world", false)).containsExactly(HELLO, SPACE, 0, WORLD);
        assertThat(tok.encode("héllo", false)).containsExactly(SPACE_H, 0, LLO);
        assertThat(tok.decode(new int[] {SPACE_H, 0, LLO}, false)).isEqualTo("h<unk>llo");
        assertThat(tok.decode(new int[] {SPACE_H, 0, LLO}, true)).isEqualTo("hllo");
    }

    @Test
    void metaspacePrependsOnlyAtTheStartOfTheInputWithSchemeFirst() throws IOException {
        Tokenizer tok = tiny("tiny-sp-unk");
        assertThat(tok.encode("  hello", false)).containsExactly(SPACE, HELLO);
        assertThat(tok.encode("hello  world ", false)).containsExactly(HELLO, SPACE, WORLD, SPACE);
        assertThat(tok.decode(new int[] {HELLO, SPACE, WORLD, SPACE}, false)).isEqualTo("hello  world ");
        // After an added token the piece is not at the start, so no "▁" is put in front of "hello" there.
        assertThat(tok.encode("<s> hello", false)).containsExactly(1, HELLO);
        assertThat(tok.encode("<s>hello", false)).containsExactly(1, H, 261, LLO);
    }

    @Test
    void addedTokensAreSplitOutBeforeNormalizationAndTheModel() throws IOException {
        Tokenizer tok = tiny("tiny-sp");
        // The text after an added token is normalized on its own, so it gets its own "▁".
        assertThat(tok.encode("hello<img>world", false)).containsExactly(HELLO, IMG, WORLD);
        assertThat(tok.tokens("hello<img>world")).containsExactly("▁hello", "<img>", "▁world");
        assertThat(tok.decode(new int[] {HELLO, IMG, WORLD}, false)).isEqualTo("hello<img> world");
        assertThat(tok.encode("<s>hello", false)).containsExactly(1, HELLO);
        assertThat(tok.encode("hello</s>", false)).containsExactly(HELLO, 2);
        assertThat(tok.decode(new int[] {1, HELLO}, false)).isEqualTo("<s> hello");
        assertThat(tok.decode(new int[] {1, HELLO}, true)).isEqualTo("hello");
    }

    @Test
    void lstripAndRstripTakeTheSurroundingWhitespaceWithTheToken() throws IOException {
        Tokenizer tok = tiny("tiny-sp");
        assertThat(tok.encode("hello <|sep|>  world", false)).containsExactly(HELLO, SEP, WORLD);
        assertThat(tok.tokens("hello <|sep|>  world")).containsExactly("▁hello", " <|sep|>  ", "▁world");
        assertThat(tok.decode(new int[] {HELLO, SEP, WORLD}, false)).isEqualTo("hello<|sep|> world");
        assertThat(tok.decode(new int[] {HELLO, SEP, WORLD}, true)).isEqualTo("hello world");
    }

    @Test
    void normalizedSingleWordTokensMatchTheNormalizedTextOnlyAsWholeWords() throws IOException {
        Tokenizer tok = tiny("tiny-sp");
        // "hi" is matched as its normalized form "▁hi"; the last one follows "o" and so is not a whole word.
        assertThat(tok.encode("hi hello hi", false)).containsExactly(HI, HELLO, SPACE_H, I);
        assertThat(tok.tokens("hi hello hi")).containsExactly("▁hi", "▁hello", "▁h", "i");
        assertThat(tok.encode("ahi hi", false)).containsExactly(SPACE, bytes('a'), HI, SPACE_H, I);
    }

    @Test
    void thePostProcessorAddsBosOnlyWhenAskedTo() throws IOException {
        Tokenizer tok = tiny("tiny-sp");
        assertThat(tok.encode("hello world", true)).containsExactly(1, HELLO, WORLD);
        assertThat(tok.encode("hello world", false)).containsExactly(HELLO, WORLD);
        assertThat(tok.encode("", true)).containsExactly(1);
        assertThat(tok.encode("", false)).isEmpty();
        assertThat(tok.encode(" ", false)).containsExactly(SPACE, SPACE);
    }

    @Test
    void byteLevelMergesApplyByRankAfterNfc() throws IOException {
        Tokenizer tok = tiny("tiny-bytelevel");
        // "caf" needs "af" (rank 7) although its own merge ranks 6: merges wait until their pair exists.
        assertThat(tok.encode("hello café", false)).containsExactly(104, 257, 259, 32, 264);
        assertThat(tok.tokens("hello café")).containsExactly("h", "el", "lo", "Ġ", "cafÃ©");
        assertThat(tok.encode("cafe\u0301", false)).containsExactly(264); // NFC composes e + U+0301
        assertThat(tok.encode(" hello<|endoftext|>hello", false)).containsExactly(260, 265, 104, 257, 259);
        assertThat(tok.decode(new int[] {260, 265, 104, 257, 259}, true)).isEqualTo(" hellohello");
        assertThat(tok.encode("🤗 it's", false)).containsExactly(240, 159, 164, 151, 32, 105, 116, 39, 115);
        assertThat(tok.specialTokens()).containsExactly("<|endoftext|>");
        assertThat(tok.decode(new int[] {266}, true)).isEqualTo("<think>"); // not special: kept
    }

    @Test
    void decodingACutByteLevelSequenceGivesReplacementCharacters() throws IOException {
        Tokenizer tok = tiny("tiny-bytelevel");
        int[] ids = tok.encode("é🤗x", false);
        assertThat(ids).containsExactly(261, 240, 159, 164, 151, 120);
        // Each prefix and suffix decoded on its own, as a streaming decoder would see them.
        List<String> prefixes = List.of("", "é", "é\uFFFD", "é\uFFFD", "é\uFFFD", "é🤗", "é🤗x");
        List<String> suffixes = List.of("é🤗x", "🤗x", "\uFFFD\uFFFD\uFFFDx", "\uFFFD\uFFFDx", "\uFFFDx", "x", "");
        for (int i = 0; i <= ids.length; i++) {
            assertThat(tok.decode(java.util.Arrays.copyOfRange(ids, 0, i), false)).as("prefix %d", i).isEqualTo(prefixes.get(i));
            assertThat(tok.decode(java.util.Arrays.copyOfRange(ids, i, ids.length), false)).as("suffix %d", i).isEqualTo(suffixes.get(i));
        }
    }

    @Test
    void decodingACutByteFallbackRunGivesOneReplacementPerByte() throws IOException {
        Tokenizer tok = tiny("tiny-sp");
        int[] ids = tok.encode("ö🤗a", false);
        assertThat(ids).containsExactly(SPACE, bytes(0xC3), bytes(0xB6), bytes(0xF0), bytes(0x9F), bytes(0xA4), bytes(0x97), bytes('a'));
        String r = "\uFFFD";
        List<String> prefixes = List.of("", "", r, "ö", r.repeat(3), r.repeat(4), r.repeat(5), "ö🤗", "ö🤗a");
        List<String> suffixes = List.of("ö🤗a", "ö🤗a", r.repeat(6), "🤗a", r.repeat(4), r.repeat(3), r.repeat(2), "a", "");
        for (int i = 0; i <= ids.length; i++) {
            assertThat(tok.decode(java.util.Arrays.copyOfRange(ids, 0, i), false)).as("prefix %d", i).isEqualTo(prefixes.get(i));
            assertThat(tok.decode(java.util.Arrays.copyOfRange(ids, i, ids.length), false)).as("suffix %d", i).isEqualTo(suffixes.get(i));
        }
    }

    @Test
    void unknownIdsAreIgnoredWhenDecoding() throws IOException {
        Tokenizer tok = tiny("tiny-sp");
        assertThat(tok.decode(new int[] {HELLO, 99_999, -1, WORLD}, false)).isEqualTo("hello world");
        assertThat(tok.idToToken(99_999)).isNull();
        assertThat(tok.tokenId("<img>")).isEqualTo(IMG);
        assertThat(tok.vocabSize()).isEqualTo(282);
    }
}

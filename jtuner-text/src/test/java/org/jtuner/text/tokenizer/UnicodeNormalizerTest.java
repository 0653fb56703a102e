package org.jtuner.text.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.text.Normalizer.Form;

import org.jtuner.text.tokenizer.normalizer.UnicodeNormalizer;
import org.junit.jupiter.api.Test;

/**
 * The reference normalizes with Unicode 9.0 tables, to which later characters are inert starters; the expected
 * values are what tokenizers 0.23.2 gives (java.text.Normalizer alone would differ in each "stays" case).
 */
class UnicodeNormalizerTest {
    private static final UnicodeNormalizer NFC = new UnicodeNormalizer(Form.NFC);
    private static final UnicodeNormalizer NFKC = new UnicodeNormalizer(Form.NFKC);
    private static final UnicodeNormalizer NFD = new UnicodeNormalizer(Form.NFD);

    @Test
    void charactersKnownToUnicode9NormalizeAsUsual() {
        assertThat(NFC.normalize("e\u0301\u0327")).isEqualTo("\u0229\u0301");
        assertThat(NFD.normalize("e\u0301\u0327")).isEqualTo("e\u0327\u0301");
        assertThat(NFKC.normalize("\uFB01 \u2460")).isEqualTo("fi 1");
        assertThat(NFC.normalize("plain ascii")).isEqualTo("plain ascii");
    }

    @Test
    void newerCharactersStayAndBlockReorderingAndComposition() {
        // U+0D3B (Unicode 10, combining class 9) is not reordered before U+034E (class 220)...
        assertThat(NFC.normalize("\u034E\u0D3B")).isEqualTo("\u034E\u0D3B");
        // ...and stops "a" from composing with the acute accent after it.
        assertThat(NFC.normalize("a\u0D3B\u0301")).isEqualTo("a\u0D3B\u0301");
        // U+32FF (Unicode 12.1, the Reiwa era sign) has no compatibility decomposition yet.
        assertThat(NFKC.normalize("\u32FF")).isEqualTo("\u32FF");
        // Dives Akuru (Unicode 13) letters do not compose.
        assertThat(NFC.normalize("\uD806\uDD35\uD806\uDD30")).isEqualTo("\uD806\uDD35\uD806\uDD30");
        // A newer combining mark splits the text; the parts around it are normalized.
        assertThat(NFC.normalize("A\u030A\uD838\uDC30\u0301")).isEqualTo("\u00C5\uD838\uDC30\u0301");
        assertThat(NFD.normalize("A\u030A\uD838\uDC30\u0301")).isEqualTo("A\u030A\uD838\uDC30\u0301");
    }
}

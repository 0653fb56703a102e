package org.jtuner.text.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import org.jtuner.text.tokenizer.util.Utf8;
import org.junit.jupiter.api.Test;

/** Rust's {@code String::from_utf8_lossy}: one U+FFFD per maximal invalid subsequence. */
class Utf8Test {
    private static String lossy(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        return Utf8.decodeLossy(b, b.length);
    }

    private static String strict(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        return Utf8.decodeStrict(b, b.length);
    }

    @Test
    void validTextDecodes() {
        assertThat(lossy(0x61, 0xC3, 0xA9, 0xE4, 0xB8, 0xAD, 0xF0, 0x9F, 0xA4, 0x97)).isEqualTo("aé中🤗");
        assertThat(strict(0xF0, 0x9F, 0xA4, 0x97)).isEqualTo("🤗");
    }

    @Test
    void aTruncatedSequenceIsOneReplacement() {
        assertThat(lossy(0xF0, 0x9F, 0xA4)).isEqualTo("\uFFFD");
        assertThat(lossy(0xF0, 0x9F, 0xA4, 0x61)).isEqualTo("\uFFFDa");
        assertThat(lossy(0xE4, 0xB8)).isEqualTo("\uFFFD");
        assertThat(strict(0xF0, 0x9F, 0xA4)).isNull();
    }

    @Test
    void bytesThatCannotStartOrContinueAreEachOneReplacement() {
        assertThat(lossy(0x80, 0xBF)).isEqualTo("\uFFFD\uFFFD");
        assertThat(lossy(0xC0, 0xAF)).isEqualTo("\uFFFD\uFFFD"); // overlong
        assertThat(lossy(0xE0, 0x80, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD"); // overlong: E0 needs A0..BF next
        assertThat(lossy(0xED, 0xA0, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD"); // a surrogate
        assertThat(lossy(0xF4, 0x90, 0x80, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD\uFFFD"); // above U+10FFFF
        assertThat(lossy(0xFF, 0x61)).isEqualTo("\uFFFDa");
    }
}

package org.jtuner.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HalfTest {

    @Test
    void bf16WideningIsTheUpperHalfOfAFloat() {
        assertThat(Half.bf16ToFloat((short) 0x3F80)).isEqualTo(1.0f);
        assertThat(Half.bf16ToFloat((short) 0xC040)).isEqualTo(-3.0f);
        assertThat(Half.bf16ToFloat((short) 0x7F80)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Half.bf16ToFloat((short) 0x0001)).isEqualTo(Float.intBitsToFloat(0x00010000)); // subnormal
    }

    @Test
    void bf16NarrowingRoundsToNearestEvenAsPyTorchDoes() {
        assertThat(Half.floatToBf16(1.0f)).isEqualTo((short) 0x3F80);
        // Exactly half-way: ties go to the even neighbour.
        assertThat(Half.floatToBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80);
        assertThat(Half.floatToBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82);
        // Just above and below half-way.
        assertThat(Half.floatToBf16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
        assertThat(Half.floatToBf16(Float.intBitsToFloat(0x3F807FFF))).isEqualTo((short) 0x3F80);
        // Overflow rounds to infinity; every NaN becomes the canonical quiet NaN.
        assertThat(Half.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
        assertThat(Half.floatToBf16(Float.NaN)).isEqualTo((short) 0x7FC0);
        assertThat(Half.floatToBf16(Float.intBitsToFloat(0xFF800001))).isEqualTo((short) 0x7FC0);
        assertThat(Half.floatToBf16(-0.0f)).isEqualTo((short) 0x8000);
    }

    @Test
    void everyBf16AndF16ValueSurvivesARoundTripThroughFloat() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float bf = Half.bf16ToFloat(h);
            if (!Float.isNaN(bf)) assertThat(Half.floatToBf16(bf)).as("bf16 %04x", bits).isEqualTo(h);
            float f = Half.f16ToFloat(h);
            if (!Float.isNaN(f)) assertThat(Half.floatToF16(f)).as("f16 %04x", bits).isEqualTo(h);
        }
    }

    @Test
    void f16ConversionsFollowIeee() {
        assertThat(Half.f16ToFloat((short) 0x3C00)).isEqualTo(1.0f);
        assertThat(Half.f16ToFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(Half.f16ToFloat((short) 0x0001)).isEqualTo(5.9604645e-8f);
        assertThat(Half.floatToF16(65520f)).isEqualTo((short) 0x7C00); // rounds up to infinity
        assertThat(Half.floatToF16(65519f)).isEqualTo((short) 0x7BFF);
        assertThat(Half.roundToF16(1f / 3)).isEqualTo(0.33325195f);
        assertThat(Half.roundToBf16(1f / 3)).isEqualTo(0.33398438f);
    }
}

package org.jtuner.io.safetensors;

/**
 * Conversions between {@code float} and the two 16-bit float formats, bit-exact with PyTorch.
 *
 * <p>BF16 is the upper half of an F32, so widening is a shift; narrowing rounds to nearest even and maps every NaN
 * to the canonical quiet NaN {@code 0x7FC0}, as {@code c10::BFloat16} does. F16 uses the JDK's IEEE conversions
 * ({@link Float#float16ToFloat}, {@link Float#floatToFloat16}), which also round to nearest even.
 */
public final class Half {
    private Half() {}

    /** The float that a BF16 bit pattern holds (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** The BF16 bit pattern nearest to {@code value}, ties to even; NaN becomes 0x7FC0. */
    public static short floatToBf16(float value) {
        if (Float.isNaN(value)) return (short) 0x7FC0;
        int bits = Float.floatToRawIntBits(value);
        // Adding 0x7FFF plus the lowest kept bit rounds half-way cases towards the even neighbour.
        int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** The float that an IEEE half-precision (F16) bit pattern holds (exact). */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /** The F16 bit pattern nearest to {@code value}, ties to even; overflow becomes infinity. */
    public static short floatToF16(float value) {
        return Float.floatToFloat16(value);
    }

    /** {@code value} rounded through BF16 and back: what storing it as BF16 keeps. */
    public static float roundToBf16(float value) {
        return bf16ToFloat(floatToBf16(value));
    }

    /** {@code value} rounded through F16 and back: what storing it as F16 keeps. */
    public static float roundToF16(float value) {
        return f16ToFloat(floatToF16(value));
    }
}

package org.jtuner.io.safetensors;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The element types a safetensors header can name, spelled as in the file ({@code "F32"}, {@code "BF16"}, ...).
 *
 * <p>The declaration order is the Rust {@code safetensors::Dtype} order (increasing alignment). The writer sorts
 * tensors by this order, descending, then by name, exactly as the reference serializer does, so that files we write
 * are byte-identical to the ones {@code safetensors.torch.save_file} writes for the same tensors.
 */
public enum SafetensorsDtype {
    BOOL(8), F4(4), F6_E2M3(6), F6_E3M2(6), U8(8), I8(8), F8_E5M2(8), F8_E4M3(8), F8_E8M0(8),
    F8_E4M3FNUZ(8), F8_E5M2FNUZ(8), I16(16), U16(16), F16(16), BF16(16), I32(32), U32(32), F32(32), C64(64),
    F64(64), I64(64), U64(64);

    private final int bits;

    SafetensorsDtype(int bits) {
        this.bits = bits;
    }

    /** Bits per element (4 and 6 for the packed float formats). */
    public int bits() {
        return bits;
    }

    /** Bytes per element; fails for the sub-byte formats, which have no whole-byte element size. */
    public int byteSize() {
        if (bits % 8 != 0) throw new UnsupportedOperationException(name() + " has " + bits + "-bit elements");
        return bits / 8;
    }

    /**
     * Bytes that {@code numel} elements take, or -1 when that is not a whole number of bytes.
     *
     * @throws ArithmeticException on overflow
     */
    public long bytesFor(long numel) {
        long totalBits = Math.multiplyExact(numel, (long) bits);
        return totalBits % 8 == 0 ? totalBits / 8 : -1;
    }

    /** Whether this is a floating-point type that {@code readFloats} converts (F32, BF16, F16, F64). */
    public boolean isReadableAsFloat() {
        return this == F32 || this == BF16 || this == F16 || this == F64;
    }

    /** Whether this is an integer type that {@code readLongs} converts. */
    public boolean isReadableAsLong() {
        return switch (this) {
            case BOOL, U8, I8, I16, U16, I32, U32, I64, U64 -> true;
            default -> false;
        };
    }

    /** The dtype named {@code name}, or an exception listing the known names. */
    public static SafetensorsDtype of(String name) {
        for (SafetensorsDtype d : values()) if (d.name().equals(name)) return d;
        throw new IllegalArgumentException("unknown dtype '" + name + "' (known: " + knownNames() + ")");
    }

    /** Whether {@code name} is a dtype this library knows. */
    public static boolean isKnown(String name) {
        for (SafetensorsDtype d : values()) if (d.name().equals(name)) return true;
        return false;
    }

    static String knownNames() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}

package org.jtuner.io.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** Converts a tensor's little-endian bytes into a Java array of the asked-for element type. */
final class TensorReads {
    private TensorReads() {}

    static float[] floats(Path file, TensorInfo info, MemorySegment data) {
        SafetensorsDtype dtype = info.dtypeEnum();
        int n = arrayLength(file, info);
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, SafetensorsFile.F32, 0, out, 0, n);
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Half.bf16ToFloat(data.getAtIndex(SafetensorsFile.I16, i)); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Half.f16ToFloat(data.getAtIndex(SafetensorsFile.I16, i)); }
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) data.getAtIndex(SafetensorsFile.F64, i); }
            default -> throw wrongType(file, info, "floats", "F32, BF16, F16 or F64");
        }
        return out;
    }

    static double[] doubles(Path file, TensorInfo info, MemorySegment data) {
        SafetensorsDtype dtype = info.dtypeEnum();
        int n = arrayLength(file, info);
        double[] out = new double[n];
        switch (dtype) {
            case F64 -> MemorySegment.copy(data, SafetensorsFile.F64, 0, out, 0, n);
            case F32 -> { for (int i = 0; i < n; i++) out[i] = data.getAtIndex(SafetensorsFile.F32, i); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Half.bf16ToFloat(data.getAtIndex(SafetensorsFile.I16, i)); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Half.f16ToFloat(data.getAtIndex(SafetensorsFile.I16, i)); }
            default -> throw wrongType(file, info, "doubles", "F64, F32, BF16 or F16");
        }
        return out;
    }

    static long[] longs(Path file, TensorInfo info, MemorySegment data) {
        SafetensorsDtype dtype = info.dtypeEnum();
        int n = arrayLength(file, info);
        long[] out = new long[n];
        switch (dtype) {
            case I64, U64 -> MemorySegment.copy(data, SafetensorsFile.I64, 0, out, 0, n);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = data.getAtIndex(SafetensorsFile.I32, i); }
            case U32 -> { for (int i = 0; i < n; i++) out[i] = Integer.toUnsignedLong(data.getAtIndex(SafetensorsFile.I32, i)); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = data.getAtIndex(SafetensorsFile.I16, i); }
            case U16 -> { for (int i = 0; i < n; i++) out[i] = Short.toUnsignedLong(data.getAtIndex(SafetensorsFile.I16, i)); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = data.get(ValueLayout.JAVA_BYTE, i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, i)); }
            default -> throw wrongType(file, info, "longs", "an integer type (I64, I32, I16, I8, U64, U32, U16, U8, BOOL)");
        }
        return out;
    }

    private static int arrayLength(Path file, TensorInfo info) {
        long numel = info.numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(file + ": tensor '" + info.name() + "' has " + numel
                    + " elements, too many for one Java array; read it through data(name)");
        }
        return (int) numel;
    }

    private static IllegalArgumentException wrongType(Path file, TensorInfo info, String what, String accepted) {
        return new IllegalArgumentException(file + ": tensor '" + info.name() + "' is " + info.dtype()
                + "; reading it as " + what + " needs " + accepted);
    }
}

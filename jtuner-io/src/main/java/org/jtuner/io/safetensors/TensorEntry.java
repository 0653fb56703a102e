package org.jtuner.io.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor to write: a name, a dtype, a shape and where its data comes from. The data is not copied when the
 * entry is made; it is encoded (little-endian, converted to the dtype where needed) while the file is written, a
 * chunk at a time, so writing a large model does not need a second copy of it in memory.
 *
 * <p>The caller must keep the source array or segment unchanged, and alive, until the write is done.
 */
public final class TensorEntry {
    private final TensorInfo info;
    private final SafetensorsDtype dtype;
    private final Source source;

    private TensorEntry(String name, SafetensorsDtype dtype, long[] shape, Source source) {
        this.info = new TensorInfo(name, dtype.name(), shape);
        this.dtype = dtype;
        this.source = source;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("tensor '" + name + "': negative dimension in " + Arrays.toString(shape));
        }
        long numel = info.numel();
        long bytes = dtype.bytesFor(numel);
        if (bytes < 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + numel + " elements of " + dtype
                    + " are not a whole number of bytes");
        }
        long have = source.elements(dtype);
        if (have != numel) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " of "
                    + dtype + " needs " + numel + " elements (" + bytes + " bytes), the data has "
                    + source.describe(dtype));
        }
    }

    /** Raw little-endian bytes already in {@code dtype}'s layout (any kind of segment: native, mapped or heap). */
    public static TensorEntry of(String name, String dtype, long[] shape, MemorySegment bytes) {
        return new TensorEntry(name, SafetensorsDtype.of(dtype), shape, new SegmentSource(bytes));
    }

    /** Floats stored as F32. */
    public static TensorEntry ofFloats(String name, long[] shape, float[] data) {
        return ofFloats(name, "F32", shape, data);
    }

    /** Floats stored as F32, BF16 or F16 (both rounded to nearest even, as PyTorch rounds) or F64. */
    public static TensorEntry ofFloats(String name, String dtype, long[] shape, float[] data) {
        SafetensorsDtype d = SafetensorsDtype.of(dtype);
        if (!d.isReadableAsFloat()) {
            throw new IllegalArgumentException("tensor '" + name + "': floats can be stored as F32, BF16, F16 or F64, not " + dtype);
        }
        return new TensorEntry(name, d, shape, new FloatSource(name, Objects.requireNonNull(data)));
    }

    /** Longs stored as I64. */
    public static TensorEntry ofLongs(String name, long[] shape, long[] data) {
        return ofLongs(name, "I64", shape, data);
    }

    /** Longs stored as I64 or I32 (each value must fit; a value that does not is an error naming it). */
    public static TensorEntry ofLongs(String name, String dtype, long[] shape, long[] data) {
        SafetensorsDtype d = SafetensorsDtype.of(dtype);
        if (d != SafetensorsDtype.I64 && d != SafetensorsDtype.I32) {
            throw new IllegalArgumentException("tensor '" + name + "': longs can be stored as I64 or I32, not " + dtype);
        }
        if (d == SafetensorsDtype.I32) {
            for (int i = 0; i < data.length; i++) {
                if (data[i] != (int) data[i]) {
                    throw new IllegalArgumentException("tensor '" + name + "': element " + i + " = " + data[i]
                            + " does not fit in I32");
                }
            }
        }
        return new TensorEntry(name, d, shape, new LongSource(name, Objects.requireNonNull(data)));
    }

    /** Ints stored as I32. */
    public static TensorEntry ofInts(String name, long[] shape, int[] data) {
        return ofInts(name, "I32", shape, data);
    }

    /** Ints stored as I32 or I64. */
    public static TensorEntry ofInts(String name, String dtype, long[] shape, int[] data) {
        SafetensorsDtype d = SafetensorsDtype.of(dtype);
        if (d != SafetensorsDtype.I64 && d != SafetensorsDtype.I32) {
            throw new IllegalArgumentException("tensor '" + name + "': ints can be stored as I32 or I64, not " + dtype);
        }
        return new TensorEntry(name, d, shape, new IntSource(Objects.requireNonNull(data)));
    }

    public String name() {
        return info.name();
    }

    /** The same data under another name (a key layout's rename). */
    public TensorEntry withName(String name) {
        return new TensorEntry(name, dtype, info.shape(), source);
    }

    public TensorInfo info() {
        return info;
    }

    SafetensorsDtype dtype() {
        return dtype;
    }

    /** Bytes the tensor takes in the file. */
    public long byteSize() {
        return dtype.bytesFor(info.numel());
    }

    /** Writes the encoded data, using {@code scratch} (a little-endian buffer whose capacity is a multiple of 8). */
    void writeTo(WritableByteChannel out, ByteBuffer scratch) throws IOException {
        source.writeTo(dtype, out, scratch);
    }

    @Override
    public String toString() {
        return info.toString();
    }

    /** Where an entry's data comes from and how it becomes bytes of the dtype. */
    private sealed interface Source permits SegmentSource, FloatSource, LongSource, IntSource {
        long elements(SafetensorsDtype dtype);

        String describe(SafetensorsDtype dtype);

        void writeTo(SafetensorsDtype dtype, WritableByteChannel out, ByteBuffer scratch) throws IOException;
    }

    private record SegmentSource(MemorySegment bytes) implements Source {
        public long elements(SafetensorsDtype dtype) {
            long bits = Math.multiplyExact(bytes.byteSize(), 8L);
            return bits % dtype.bits() == 0 ? bits / dtype.bits() : -1;
        }

        public String describe(SafetensorsDtype dtype) {
            return bytes.byteSize() + " bytes";
        }

        public void writeTo(SafetensorsDtype dtype, WritableByteChannel out, ByteBuffer scratch) throws IOException {
            MemorySegment buffer = MemorySegment.ofBuffer(scratch.clear());
            for (long off = 0, total = bytes.byteSize(); off < total; ) {
                int n = (int) Math.min(scratch.capacity(), total - off);
                MemorySegment.copy(bytes, off, buffer, 0, n);
                drain(out, scratch.clear().limit(n));
                off += n;
            }
        }
    }

    private record FloatSource(String name, float[] data) implements Source {
        public long elements(SafetensorsDtype dtype) {
            return data.length;
        }

        public String describe(SafetensorsDtype dtype) {
            return data.length + " floats";
        }

        public void writeTo(SafetensorsDtype dtype, WritableByteChannel out, ByteBuffer scratch) throws IOException {
            scratch.clear();
            for (float v : data) {
                if (scratch.remaining() < 8) drain(out, scratch.flip());
                switch (dtype) {
                    case F32 -> scratch.putFloat(v);
                    case BF16 -> scratch.putShort(Half.floatToBf16(v));
                    case F16 -> scratch.putShort(Half.floatToF16(v));
                    case F64 -> scratch.putDouble(v);
                    default -> throw new AssertionError(dtype);
                }
            }
            drain(out, scratch.flip());
        }
    }

    private record LongSource(String name, long[] data) implements Source {
        public long elements(SafetensorsDtype dtype) {
            return data.length;
        }

        public String describe(SafetensorsDtype dtype) {
            return data.length + " longs";
        }

        public void writeTo(SafetensorsDtype dtype, WritableByteChannel out, ByteBuffer scratch) throws IOException {
            scratch.clear();
            for (int i = 0; i < data.length; i++) {
                if (scratch.remaining() < 8) drain(out, scratch.flip());
                long v = data[i];
                if (dtype == SafetensorsDtype.I64) {
                    scratch.putLong(v);
                } else {
                    if (v != (int) v) {
                        throw new IllegalArgumentException("tensor '" + name + "': element " + i + " = " + v
                                + " does not fit in I32");
                    }
                    scratch.putInt((int) v);
                }
            }
            drain(out, scratch.flip());
        }
    }

    private record IntSource(int[] data) implements Source {
        public long elements(SafetensorsDtype dtype) {
            return data.length;
        }

        public String describe(SafetensorsDtype dtype) {
            return data.length + " ints";
        }

        public void writeTo(SafetensorsDtype dtype, WritableByteChannel out, ByteBuffer scratch) throws IOException {
            scratch.clear();
            for (int v : data) {
                if (scratch.remaining() < 8) drain(out, scratch.flip());
                if (dtype == SafetensorsDtype.I64) scratch.putLong(v);
                else scratch.putInt(v);
            }
            drain(out, scratch.flip());
        }
    }

    private static void drain(WritableByteChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) out.write(buffer);
        buffer.clear();
    }
}

package org.jtuner.io.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the header says about one tensor: its name, dtype (as spelled in the file, e.g. {@code "BF16"}) and shape.
 * The shape is copied in and out, so an instance is immutable.
 */
public record TensorInfo(String name, String dtype, long[] shape) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The number of dimensions (0 for a scalar). */
    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    /** The number of elements: the product of the shape (1 for a scalar). */
    public long numel() {
        return numel(shape);
    }

    /** The dtype as an enum constant. */
    public SafetensorsDtype dtypeEnum() {
        return SafetensorsDtype.of(dtype);
    }

    /** Bytes the data takes in the file. */
    public long byteSize() {
        return dtypeEnum().bytesFor(numel());
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n = Math.multiplyExact(n, d);
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype.equals(t.dtype) && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}

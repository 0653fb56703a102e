package org.jtuner.tensor;

/** Element types of tensor storage. F32 for compute; BF16/F16 for stored weights and mixed precision; I32 for ids. */
public enum DType {
    F32(4), BF16(2), F16(2), I32(4);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return this != I32;
    }
}

package org.jtuner.text.tokenizer.util;

import java.util.Arrays;

/** A growable list of ints, so token ids are never boxed. */
public final class IntList {
    private int[] data;
    private int size;

    public IntList() {
        this(16);
    }

    public IntList(int capacity) {
        data = new int[Math.max(capacity, 4)];
    }

    public void add(int value) {
        if (size == data.length) data = Arrays.copyOf(data, size * 2);
        data[size++] = value;
    }

    public void addAll(int[] values) {
        if (size + values.length > data.length) data = Arrays.copyOf(data, Math.max(size * 2, size + values.length));
        System.arraycopy(values, 0, data, size, values.length);
        size += values.length;
    }

    public int get(int index) {
        if (index >= size) throw new IndexOutOfBoundsException(index);
        return data[index];
    }

    public int size() {
        return size;
    }

    public int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}

package org.jtuner.data;

import java.util.Arrays;

/** A growable int array (token ids are never boxed). */
final class IntBuffer {
    private int[] data;
    private int size;

    IntBuffer(int capacity) {
        data = new int[Math.max(4, capacity)];
    }

    void add(int v) {
        if (size == data.length) data = Arrays.copyOf(data, size * 2);
        data[size++] = v;
    }

    int get(int i) {
        return data[i];
    }

    int size() {
        return size;
    }

    int[] toArray(int length) {
        return Arrays.copyOf(data, length);
    }
}

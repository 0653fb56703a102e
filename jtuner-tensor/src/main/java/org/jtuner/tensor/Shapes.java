package org.jtuner.tensor;

import java.util.Arrays;

/** Small helpers over shapes (int arrays, row-major). */
public final class Shapes {
    private Shapes() {}

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public static String str(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Product of the dimensions in {@code [from, to)}. */
    public static int prod(int[] shape, int from, int to) {
        long n = 1;
        for (int i = from; i < to; i++) n *= shape[i];
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("dimension product too large: " + str(shape));
        return (int) n;
    }

    /** Normalises a possibly negative dimension index, with a message naming the op. */
    public static int dim(String op, int[] shape, int dim) {
        int d = dim < 0 ? dim + shape.length : dim;
        if (d < 0 || d >= shape.length) {
            throw new IllegalArgumentException(op + ": dimension " + dim + " out of range for shape " + str(shape));
        }
        return d;
    }

    /** The numpy broadcast of two shapes, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
            int db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Row-major strides in elements. */
    public static long[] strides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }
}

package org.jtuner.models.llama;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.tensor.Tensor;

/** Reading reference tensors and comparing with them (‖a − b‖ / ‖b‖), for the parity tests of the LLM side. */
public final class Refs {
    private Refs() {}

    /** An I64 reference tensor as an I32 tensor of the same shape. */
    public static Tensor ints(SafetensorsFile f, String name) {
        long[] v = f.readLongs(name);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return Tensor.ofInts(out, shape(f, name));
    }

    public static int[] shape(SafetensorsFile f, String name) {
        return Arrays.stream(f.info(name).shape()).mapToInt(Math::toIntExact).toArray();
    }

    /** ‖a − b‖ / ‖b‖ over the rows (of width {@code width}) where {@code keep} is non-zero (all rows when null). */
    public static double relativeError(float[] a, float[] b, int width, int[] keep) {
        assertThat(a.length).as("element count").isEqualTo(b.length);
        double diff = 0, norm = 0;
        for (int i = 0; i < a.length; i++) {
            if (keep != null && keep[i / width] == 0) continue;
            double d = a[i] - b[i];
            diff += d * d;
            norm += (double) b[i] * b[i];
        }
        return Math.sqrt(diff) / Math.sqrt(norm);
    }

    public static double relativeError(float[] a, float[] b) {
        return relativeError(a, b, 1, null);
    }

    /** Asserts a relative error and prints it, so test logs carry the measured numbers. */
    public static void assertClose(String what, double error, double tolerance) {
        System.out.printf("parity %-55s rel err %.3e%n", what, error);
        assertThat(error).as(what + " relative error").isLessThan(tolerance);
    }
}

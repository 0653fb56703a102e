package org.jtuner.models.clip;

import java.io.IOException;
import java.nio.file.Path;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.TensorInfo;
import org.jtuner.tensor.Tensor;

/** A fixture's reference.safetensors read as tensors, and the relative error the fixtures' README defines. */
public final class ReferenceTensors implements AutoCloseable {
    private final SafetensorsFile file;

    private ReferenceTensors(SafetensorsFile file) {
        this.file = file;
    }

    public static ReferenceTensors open(Path path) throws IOException {
        return new ReferenceTensors(SafetensorsFile.open(path));
    }

    public java.util.List<String> names() {
        return file.names();
    }

    public int[] shape(String name) {
        TensorInfo info = file.info(name);
        int[] s = new int[info.rank()];
        for (int i = 0; i < s.length; i++) s[i] = (int) info.dim(i);
        return s;
    }

    public float[] floats(String name) {
        return file.readFloats(name);
    }

    /** A float tensor (F32), in the current scope. */
    public Tensor tensor(String name) {
        return Tensor.of(floats(name), shape(name));
    }

    /** An integer tensor (I64 in the file) as I32, in the current scope. */
    public Tensor ints(String name) {
        return Tensor.ofInts(intArray(name), shape(name));
    }

    public int[] intArray(String name) {
        long[] v = file.readLongs(name);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }

    /** ‖a − b‖ / ‖b‖ (b the reference). */
    public static double relErr(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num) / Math.sqrt(den);
    }

    /**
     * Two computations of the same function agree to {@code 1e-6} relative. Used instead of bitwise equality: the CPU
     * backend does not promise bit-identical results when the same op runs twice in one JVM (seen: last-bit
     * differences between two identical tower forwards after warm-up).
     */
    public static void assertSame(float[] actual, float[] expected, String what) {
        double err = relErr(actual, expected);
        if (!(err < 1e-6)) throw new AssertionError(what + ": relative error " + err + " (expected < 1e-6)");
    }

    @Override
    public void close() {
        file.close();
    }
}

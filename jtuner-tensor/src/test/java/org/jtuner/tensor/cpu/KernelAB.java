package org.jtuner.tensor.cpu;

import static org.jtuner.tensor.cpu.ElementwiseKernels.get;
import static org.jtuner.tensor.cpu.ElementwiseKernels.set;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import org.jtuner.tensor.Backend;
import org.jtuner.tensor.Backend.Binary;
import org.jtuner.tensor.Backend.Unary;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * A/B timing in one JVM of the kernels of the medium training step, old (kept here as they were) against new:
 * activation backward (quick_gelu [520, 1024], gelu [512, 512]), gelu forward [512, 512], and the attention
 * softmax on scores [8, 4, 384, 192] (B, Hkv, group·T, S; causal, key padding), forward and backward.
 * Not a test: run with
 * {@code java --add-modules jdk.incubator.vector -Djtuner.threads=1 -cp jtuner-tensor/target/classes:jtuner-tensor/target/test-classes org.jtuner.tensor.cpu.KernelAB}
 */
public final class KernelAB {
    private KernelAB() {}

    // ---------------------------------------------------------------- the old kernels, as they were

    static double oldDerivative(Unary op, double x) {
        return switch (op) {
            case GELU -> 0.5 * (1 + Erf.erf(x / Math.sqrt(2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case QUICK_GELU -> {
                double s = 1 / (1 + Math.exp(-1.702 * x));
                yield s + 1.702 * x * s * (1 - s);
            }
            default -> throw new IllegalArgumentException(op.toString());
        };
    }

    static void oldUnaryBackward(Unary op, MemorySegment x, MemorySegment gy, MemorySegment gx, int n) {
        Parallel.forRange(n, ElementwiseKernels.GRAIN / 4, (from, to) -> {
            for (int i = from; i < to; i++) set(gx, i, (float) (get(gy, i) * oldDerivative(op, get(x, i))));
        });
    }

    static void oldGelu(MemorySegment x, MemorySegment out, int n) {
        Parallel.forRange(n, ElementwiseKernels.GRAIN / 4, (from, to) -> {
            for (int i = from; i < to; i++) {
                double v = get(x, i);
                set(out, i, (float) (0.5 * v * (1 + Erf.erf(v / Math.sqrt(2)))));
            }
        });
    }

    /** F.attentionMask as it was: built on every call. */
    static Tensor oldMask(int batch, int t, int s, boolean causal, Tensor keyMask, int group) {
        return org.jtuner.tensor.AttentionSoftmaxTest.additiveMask(batch, group, t, s, causal, keyMask.toIntArray());
    }

    // ---------------------------------------------------------------- timing

    interface Body {
        void run();
    }

    /** Median milliseconds of {@code reps} runs, old and new interleaved so that both see the same machine load. */
    static void ab(String what, int reps, Body old, Body now) {
        for (int i = 0; i < 40; i++) { // warm-up: both versions compiled by C2 before timing
            old.run();
            now.run();
        }
        double[] a = new double[reps], b = new double[reps];
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            old.run();
            long t1 = System.nanoTime();
            now.run();
            long t2 = System.nanoTime();
            a[r] = (t1 - t0) / 1e6;
            b[r] = (t2 - t1) / 1e6;
        }
        Arrays.sort(a);
        Arrays.sort(b);
        System.out.printf("%-44s old %8.3f ms   new %8.3f ms   x%.2f%n", what, a[reps / 2], b[reps / 2], a[reps / 2] / b[reps / 2]);
    }

    static Tensor random(Random r, double std, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * std);
        return Tensor.of(Device.CPU, v, shape);
    }

    public static void main(String[] args) {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 21;
        System.out.println("threads " + Parallel.threads() + ", vector lanes " + ElementwiseKernels.S.length());
        Random r = new Random(1);
        try (Scope scope = Scope.open()) {
            for (Object[] c : new Object[][] {{Unary.QUICK_GELU, new int[] {520, 1024}}, {Unary.GELU, new int[] {512, 512}}}) {
                Unary op = (Unary) c[0];
                int[] shape = (int[]) c[1];
                Tensor x = random(r, 2, shape), gy = random(r, 1, shape), gx = Tensor.empty(Device.CPU, DType.F32, shape);
                int n = (int) x.numel();
                ab(op + " backward " + Arrays.toString(shape), reps,
                        () -> oldUnaryBackward(op, x.segment(), gy.segment(), gx.segment(), n),
                        () -> ElementwiseKernels.unaryBackward(op, x.segment(), gy.segment(), gx.segment(), n));
                if (op == Unary.GELU) {
                    ab("GELU forward " + Arrays.toString(shape), reps, () -> oldGelu(x.segment(), gx.segment(), n),
                            () -> ElementwiseKernels.unary(op, x.segment(), gx.segment(), n));
                }
            }
            int batch = 8, kvHeads = 4, group = 2, t = 192, s = 192;
            double scale = 1 / Math.sqrt(64);
            Tensor scores = random(r, 3, batch, kvHeads, group * t, s), g = random(r, 1, scores.shape());
            int[] keep = new int[batch * s];
            for (int b = 0; b < batch; b++) for (int j = 0; j < s; j++) keep[b * s + j] = j < s - 13 * b ? 1 : 0;
            Tensor keyMask = Tensor.ofInts(keep, batch, s);
            Backend be = scores.backend();
            Tensor scaled = Tensor.empty(Device.CPU, DType.F32, scores.shape()), masked = Tensor.empty(Device.CPU, DType.F32, scores.shape());
            Tensor y = Tensor.empty(Device.CPU, DType.F32, scores.shape()), gs = Tensor.empty(Device.CPU, DType.F32, scores.shape());
            Tensor gx = Tensor.empty(Device.CPU, DType.F32, scores.shape());
            ab("attention softmax forward [8,4,384,192]", reps, () -> {
                be.affine(scores, scale, 0, scaled);
                try (Tensor mask = oldMask(batch, t, s, true, keyMask, group)) {
                    be.binary(Binary.ADD, scaled, mask, masked);
                }
                be.softmax(masked, s, y, false);
            }, () -> be.attentionSoftmax(scores, scale, true, t, keyMask, kvHeads * group * t, s, y));
            ab("attention softmax backward [8,4,384,192]", reps, () -> {
                be.softmaxBackward(y, g, s, gs, false);
                be.affine(gs, scale, 0, gx);
            }, () -> be.attentionSoftmaxBackward(y, g, scale, s, gx));
        }
    }
}

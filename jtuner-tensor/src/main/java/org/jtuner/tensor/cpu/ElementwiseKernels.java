package org.jtuner.tensor.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import org.jtuner.tensor.Backend.Binary;
import org.jtuner.tensor.Backend.Unary;

/** Vectorised element-wise kernels over F32 segments ({@code n} elements each). */
final class ElementwiseKernels {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Below this many elements a kernel runs on the calling thread. */
    static final int GRAIN = 1 << 15;

    private ElementwiseKernels() {}

    static float get(MemorySegment s, long i) {
        return s.get(JAVA_FLOAT_UNALIGNED, i << 2);
    }

    static void set(MemorySegment s, long i, float v) {
        s.set(JAVA_FLOAT_UNALIGNED, i << 2, v);
    }

    /** out[i] = a[i] op b[i] for equal shapes, or b[i % bn] when b repeats along rows (bn divides n). */
    static void binary(Binary op, MemorySegment a, MemorySegment b, MemorySegment out, int n, int bn, boolean aScalar) {
        Parallel.forRange(n, GRAIN, (from, to) -> {
            if (aScalar) {
                float av = get(a, 0);
                for (int i = from; i < to; i++) set(out, i, apply(op, av, get(b, i % bn)));
                return;
            }
            if (bn == 1) {
                float bv = get(b, 0);
                FloatVector bvv = FloatVector.broadcast(S, bv);
                int i = from;
                for (; i + S.length() <= to; i += S.length()) apply(op, FloatVector.fromMemorySegment(S, a, (long) (i) << 2, LE), bvv).intoMemorySegment(out, (long) (i) << 2, LE);
                for (; i < to; i++) set(out, i, apply(op, get(a, i), bv));
                return;
            }
            int i = from;
            while (i < to) {
                int j = i % bn;
                int run = Math.min(to - i, bn - j); // a stretch where b is contiguous
                int k = 0;
                for (; k + S.length() <= run; k += S.length()) {
                    apply(op, FloatVector.fromMemorySegment(S, a, (long) (i + k) << 2, LE), FloatVector.fromMemorySegment(S, b, (long) (j + k) << 2, LE)).intoMemorySegment(out, (long) (i + k) << 2, LE);
                }
                for (; k < run; k++) set(out, i + k, apply(op, get(a, i + k), get(b, j + k)));
                i += run;
            }
        });
    }

    /** out[oo + i] = a[ao + i] op b[bo + i] for i in [0, n): one contiguous row. */
    static void row(Binary op, MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment out, long oo, int n) {
        int i = 0;
        for (; i + S.length() <= n; i += S.length()) apply(op, FloatVector.fromMemorySegment(S, a, (long) (ao + i) << 2, LE), FloatVector.fromMemorySegment(S, b, (long) (bo + i) << 2, LE)).intoMemorySegment(out, (long) (oo + i) << 2, LE);
        for (; i < n; i++) set(out, oo + i, apply(op, get(a, ao + i), get(b, bo + i)));
    }

    static FloatVector apply(Binary op, FloatVector x, FloatVector y) {
        return switch (op) {
            case ADD -> x.add(y);
            case SUB -> x.sub(y);
            case MUL -> x.mul(y);
            case DIV -> x.div(y);
            case MAX -> x.max(y);
            case MIN -> x.min(y);
        };
    }

    static float apply(Binary op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
        };
    }

    static void affine(MemorySegment x, float scale, float shift, MemorySegment out, int n) {
        Parallel.forRange(n, GRAIN, (from, to) -> {
            FloatVector sv = FloatVector.broadcast(S, scale), hv = FloatVector.broadcast(S, shift);
            int i = from;
            for (; i + S.length() <= to; i += S.length()) FloatVector.fromMemorySegment(S, x, (long) (i) << 2, LE).fma(sv, hv).intoMemorySegment(out, (long) (i) << 2, LE);
            for (; i < to; i++) set(out, i, Math.fma(get(x, i), scale, shift));
        });
    }

    static void unary(Unary op, MemorySegment x, MemorySegment out, int n) {
        Parallel.forRange(n, GRAIN / 4, (from, to) -> {
            int i = from;
            if (vectorised(op)) {
                for (; i + S.length() <= to; i += S.length()) applyVector(op, FloatVector.fromMemorySegment(S, x, (long) (i) << 2, LE)).intoMemorySegment(out, (long) (i) << 2, LE);
            }
            for (; i < to; i++) set(out, i, (float) apply(op, get(x, i)));
        });
    }

    private static boolean vectorised(Unary op) {
        return op != Unary.GELU && op != Unary.LOG;
    }

    private static FloatVector applyVector(Unary op, FloatVector v) {
        return switch (op) {
            case NEG -> v.neg();
            case EXP -> VectorMath.exp(v);
            case SQRT -> v.sqrt();
            case RSQRT -> FloatVector.broadcast(S, 1f).div(v.sqrt());
            case SQUARE -> v.mul(v);
            case ABS -> v.abs();
            case TANH -> VectorMath.tanh(v);
            case SIGMOID -> sigmoid(v);
            case RELU -> v.max(0f);
            case SILU -> v.mul(sigmoid(v));
            case QUICK_GELU -> v.mul(sigmoid(v.mul(1.702f)));
            case GELU_TANH -> {
                FloatVector inner = v.add(v.mul(v).mul(v).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
                yield v.mul(0.5f).mul(VectorMath.tanh(inner).add(1f));
            }
            case GELU, LOG -> throw new IllegalStateException("scalar only");
        };
    }

    static FloatVector sigmoid(FloatVector v) {
        return VectorMath.sigmoid(v);
    }

    static double apply(Unary op, double x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case SQUARE -> x * x;
            case ABS -> Math.abs(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case RELU -> Math.max(x, 0);
            case SILU -> x * sigmoid(x);
            case GELU -> 0.5 * x * (1 + Erf.erf(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x * sigmoid(1.702 * x);
        };
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** d op(x) / dx. */
    static double derivative(Unary op, double x) {
        return switch (op) {
            case NEG -> -1;
            case EXP -> Math.exp(x);
            case LOG -> 1 / x;
            case SQRT -> 0.5 / Math.sqrt(x);
            case RSQRT -> -0.5 / (x * Math.sqrt(x));
            case SQUARE -> 2 * x;
            case ABS -> Math.signum(x);
            case TANH -> {
                double t = Math.tanh(x);
                yield 1 - t * t;
            }
            case SIGMOID -> {
                double s = sigmoid(x);
                yield s * (1 - s);
            }
            case RELU -> x > 0 ? 1 : 0;
            case SILU -> {
                double s = sigmoid(x);
                yield s * (1 + x * (1 - s));
            }
            case GELU -> 0.5 * (1 + Erf.erf(x / Math.sqrt(2))) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case GELU_TANH -> {
                double c = Math.sqrt(2 / Math.PI);
                double inner = c * (x + 0.044715 * x * x * x);
                double t = Math.tanh(inner);
                yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
            }
            case QUICK_GELU -> {
                double s = sigmoid(1.702 * x);
                yield s + 1.702 * x * s * (1 - s);
            }
        };
    }

    static void unaryBackward(Unary op, MemorySegment x, MemorySegment gy, MemorySegment gx, int n) {
        Parallel.forRange(n, GRAIN / 4, (from, to) -> {
            for (int i = from; i < to; i++) set(gx, i, (float) (get(gy, i) * derivative(op, get(x, i))));
        });
    }

    static void pow(MemorySegment x, double e, MemorySegment out, int n) {
        for (int i = 0; i < n; i++) set(out, i, (float) Math.pow(get(x, i), e));
    }

    static void addInPlace(MemorySegment dst, MemorySegment src, int n) {
        binary(Binary.ADD, dst, src, dst, n, n, false);
    }
}

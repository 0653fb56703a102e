package org.jtuner.tensor.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
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

    /**
     * Vector lanes throughout, the last partial vector included (masked), so that every element goes through the
     * same arithmetic whatever the chunking of the range: results do not depend on the thread count.
     */
    static void unary(Unary op, MemorySegment x, MemorySegment out, int n) {
        Parallel.forRange(n, GRAIN / 4, (from, to) -> {
            int i = from;
            for (; i + S.length() <= to; i += S.length()) applyVector(op, FloatVector.fromMemorySegment(S, x, (long) (i) << 2, LE)).intoMemorySegment(out, (long) (i) << 2, LE);
            if (i < to) {
                VectorMask<Float> tail = S.indexInRange(i, to);
                applyVector(op, FloatVector.fromMemorySegment(S, x, (long) (i) << 2, LE, tail)).intoMemorySegment(out, (long) (i) << 2, LE, tail);
            }
        });
    }

    private static FloatVector applyVector(Unary op, FloatVector v) {
        return switch (op) {
            case NEG -> v.neg();
            case EXP -> VectorMath.exp(v);
            case LOG -> log(v);
            case SQRT -> v.sqrt();
            case RSQRT -> FloatVector.broadcast(S, 1f).div(v.sqrt());
            case SQUARE -> v.mul(v);
            case ABS -> v.abs();
            case TANH -> VectorMath.tanh(v);
            case SIGMOID -> sigmoid(v);
            case RELU -> v.max(0f);
            case SILU -> v.mul(sigmoid(v));
            case QUICK_GELU -> v.mul(sigmoid(v.mul(1.702f)));
            case GELU -> v.mul(VectorMath.normalCdf(v));
            case GELU_TANH -> geluTanh(v);
        };
    }

    /** 0.5·x·(1 + tanh y) = x·σ(2y), y = c·(x + 0.044715·x³): no cancellation of 1 + tanh y for negative x. */
    private static FloatVector geluTanh(FloatVector v) {
        FloatVector c = v.max(-20f).min(20f); // beyond ±20, σ(2y) is 0 or 1 in float
        return v.mul(sigmoid(c.add(c.mul(c).mul(c).mul(0.044715f)).mul((float) (2 * Math.sqrt(2 / Math.PI)))));
    }

    /** log on vectors; lanes outside the polynomial's domain (0, negatives, subnormals, inf, NaN) go to Math.log. */
    private static FloatVector log(FloatVector v) {
        FloatVector y = VectorMath.log(v);
        VectorMask<Float> outside = VectorMath.logDomain(v).not();
        if (!outside.anyTrue()) return y;
        float[] in = v.toArray(), out = y.toArray();
        for (int k = 0; k < in.length; k++) if (outside.laneIsSet(k)) out[k] = (float) Math.log(in[k]);
        return FloatVector.fromArray(S, out, 0);
    }

    /**
     * d op(x)/dx on vectors, in forms without cancellation: sigmoid'(x) = e/(1+e)² with e = exp(-|x|),
     * tanh'(x) = 4e/(1+e)² with e = exp(-2|x|), and the SiLU family through σ(z) and σ(-z) = 1 - σ(z) computed
     * apart, so that small derivatives keep their relative accuracy.
     */
    private static FloatVector derivativeVector(Unary op, FloatVector x) {
        // one small call per case: this method must stay small for the JIT to inline it into the loops (a vector
        // that crosses a call that is not inlined is boxed, which costs more than the arithmetic)
        return switch (op) {
            case NEG -> FloatVector.broadcast(S, -1f);
            case EXP -> VectorMath.exp(x);
            case LOG -> FloatVector.broadcast(S, 1f).div(x);
            case SQRT -> FloatVector.broadcast(S, 0.5f).div(x.sqrt());
            case RSQRT -> FloatVector.broadcast(S, -0.5f).div(x.mul(x.sqrt()));
            case SQUARE -> x.add(x);
            case ABS -> absDerivative(x);
            case TANH -> tanhDerivative(x);
            case SIGMOID -> sigmoidDerivative(x);
            case RELU -> FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GT, 0f));
            case SILU -> siluFamilyDerivative(x, 1f);
            case QUICK_GELU -> siluFamilyDerivative(x, 1.702f);
            case GELU -> VectorMath.geluDerivative(x);
            case GELU_TANH -> geluTanhDerivative(x);
        };
    }

    /** sign(x), NaN for NaN. */
    private static FloatVector absDerivative(FloatVector x) {
        return FloatVector.zero(S).blend(1f, x.compare(VectorOperators.GT, 0f)).blend(-1f, x.compare(VectorOperators.LT, 0f))
                .blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** 1 - tanh²(x) = 4e/(1+e)², e = exp(-2|x|). */
    private static FloatVector tanhDerivative(FloatVector x) {
        FloatVector e = VectorMath.exp(x.abs().mul(-2f));
        FloatVector d = e.add(1f);
        return e.mul(4f).div(d.mul(d));
    }

    /** σ(x)·(1 - σ(x)) = e/(1+e)², e = exp(-|x|). */
    private static FloatVector sigmoidDerivative(FloatVector x) {
        FloatVector e = VectorMath.exp(x.abs().neg());
        FloatVector d = e.add(1f);
        return e.div(d.mul(d));
    }

    /**
     * With y = c·(x + 0.044715·x³): 0.5·(1 + tanh y) = σ(2y) and 1 - tanh² y = 4·σ(2y)·σ(-2y), so the derivative
     * is σ(2y)·(1 + 2c·x·(1 + 3·0.044715·x²)·σ(-2y)).
     */
    private static FloatVector geluTanhDerivative(FloatVector x) {
        float c = (float) Math.sqrt(2 / Math.PI);
        FloatVector xc = x.max(-20f).min(20f); // beyond ±20 the derivative is 0 or 1 in float
        FloatVector x2 = xc.mul(xc);
        FloatVector y2 = xc.add(x2.mul(xc).mul(0.044715f)).mul(2 * c);
        FloatVector slope = x2.fma(FloatVector.broadcast(S, 3 * 0.044715f), FloatVector.broadcast(S, 1f)).mul(xc).mul(2 * c);
        return sigmoidTimesOnePlus(y2, slope);
    }

    /** d/dx [x·σ(a·x)] = σ(z)·(1 + z·σ(-z)) with z = a·x. */
    private static FloatVector siluFamilyDerivative(FloatVector x, float a) {
        FloatVector z = x.mul(a).max(-100f).min(100f); // beyond ±100 σ is exactly 0 or 1 in float
        return sigmoidTimesOnePlus(z, z);
    }

    /** σ(z)·(1 + slope·σ(-z)), σ(z) and σ(-z) = 1 - σ(z) each with full relative accuracy (no 1 - σ cancellation). */
    private static FloatVector sigmoidTimesOnePlus(FloatVector z, FloatVector slope) {
        FloatVector e = VectorMath.exp(z.abs().neg());
        FloatVector p = FloatVector.broadcast(S, 1f).div(e.add(1f)), q = e.mul(p); // σ(|z|), σ(-|z|)
        var negative = z.compare(VectorOperators.LT, 0f);
        return p.blend(q, negative).mul(slope.fma(q.blend(p, negative), FloatVector.broadcast(S, 1f)));
    }

    static FloatVector sigmoid(FloatVector v) {
        return VectorMath.sigmoid(v);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** gx = gy · op'(x), vectorised like {@link #unary} (masked last vector, so independent of the chunking). */
    static void unaryBackward(Unary op, MemorySegment x, MemorySegment gy, MemorySegment gx, int n) {
        Parallel.forRange(n, GRAIN / 4, (from, to) -> {
            int i = from;
            for (; i + S.length() <= to; i += S.length()) {
                long o = (long) i << 2;
                FloatVector.fromMemorySegment(S, gy, o, LE).mul(derivativeVector(op, FloatVector.fromMemorySegment(S, x, o, LE))).intoMemorySegment(gx, o, LE);
            }
            if (i < to) {
                long o = (long) i << 2;
                VectorMask<Float> tail = S.indexInRange(i, to);
                FloatVector.fromMemorySegment(S, gy, o, LE, tail).mul(derivativeVector(op, FloatVector.fromMemorySegment(S, x, o, LE, tail))).intoMemorySegment(gx, o, LE, tail);
            }
        });
    }

    static void pow(MemorySegment x, double e, MemorySegment out, int n) {
        for (int i = 0; i < n; i++) set(out, i, (float) Math.pow(get(x, i), e));
    }

    static void addInPlace(MemorySegment dst, MemorySegment src, int n) {
        binary(Binary.ADD, dst, src, dst, n, n, false);
    }
}

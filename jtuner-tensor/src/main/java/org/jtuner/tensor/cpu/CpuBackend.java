package org.jtuner.tensor.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;
import static org.jtuner.tensor.cpu.ElementwiseKernels.get;
import static org.jtuner.tensor.cpu.ElementwiseKernels.set;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import java.util.Arrays;

import org.jtuner.tensor.Backend;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Shapes;
import org.jtuner.tensor.Tensor;

/** The CPU backend: pure Java kernels with the Vector API over native memory. */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend();

    private final CpuMemory memory = new CpuMemory();

    private CpuBackend() {}

    @Override
    public Device device() {
        return Device.CPU;
    }

    // ------------------------------------------------------------------ memory

    @Override
    public MemorySegment allocate(long bytes) {
        return memory.allocate(bytes);
    }

    @Override
    public void free(MemorySegment segment, long bytes) {
        memory.free(segment, bytes);
    }

    @Override
    public long liveBytes() {
        return memory.liveBytes();
    }

    /** The most bytes live at once since {@link #resetPeakBytes}. */
    public long peakBytes() {
        return memory.peakBytes();
    }

    public void resetPeakBytes() {
        memory.resetPeak();
    }

    /** Bytes held in the allocator's cache of freed blocks. */
    public long cachedBytes() {
        return memory.cachedBytes();
    }

    @Override
    public void copyFromHost(MemorySegment host, Tensor dst) {
        MemorySegment.copy(host, 0, dst.segment(), 0, dst.byteSize());
    }

    @Override
    public void copyToHost(Tensor src, MemorySegment host) {
        MemorySegment.copy(src.segment(), 0, host, 0, src.byteSize());
    }

    // ------------------------------------------------------------------ element-wise

    @Override
    public void fill(Tensor out, double value) {
        MemorySegment s = out.segment();
        long n = out.numel();
        if (value == 0) {
            s.fill((byte) 0);
            return;
        }
        switch (out.dtype()) {
            case F32 -> {
                for (long i = 0; i < n; i++) s.setAtIndex(JAVA_FLOAT_UNALIGNED, i, (float) value);
            }
            case I32 -> {
                for (long i = 0; i < n; i++) s.setAtIndex(JAVA_INT_UNALIGNED, i, (int) value);
            }
            case BF16, F16 -> {
                short bits = encode16(out.dtype(), (float) value);
                for (long i = 0; i < n; i++) s.setAtIndex(JAVA_SHORT_UNALIGNED, i, bits);
            }
        }
    }

    @Override
    public void cast(Tensor src, Tensor out) {
        MemorySegment a = src.segment(), o = out.segment();
        int n = (int) src.numel();
        DType from = src.dtype(), to = out.dtype();
        if (from == to) {
            MemorySegment.copy(a, 0, o, 0, src.byteSize());
            return;
        }
        Parallel.forRange(n, ElementwiseKernels.GRAIN, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                float v = switch (from) {
                    case F32 -> a.getAtIndex(JAVA_FLOAT_UNALIGNED, i);
                    case I32 -> a.getAtIndex(JAVA_INT_UNALIGNED, i);
                    case BF16 -> Float.intBitsToFloat((a.getAtIndex(JAVA_SHORT_UNALIGNED, i) & 0xFFFF) << 16);
                    case F16 -> Float.float16ToFloat(a.getAtIndex(JAVA_SHORT_UNALIGNED, i));
                };
                switch (to) {
                    case F32 -> o.setAtIndex(JAVA_FLOAT_UNALIGNED, i, v);
                    case I32 -> o.setAtIndex(JAVA_INT_UNALIGNED, i, (int) v);
                    case BF16, F16 -> o.setAtIndex(JAVA_SHORT_UNALIGNED, i, encode16(to, v));
                }
            }
        });
    }

    /** float → bf16 with round-to-nearest-even (as torch does), or → f16. */
    static short encode16(DType type, float v) {
        if (type == DType.F16) return Float.floatToFloat16(v);
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    @Override
    public void binary(Binary op, Tensor a, Tensor b, Tensor out) {
        int n = (int) out.numel();
        int[] so = out.shape();
        MemorySegment as = a.segment(), bs = b.segment(), os = out.segment();
        if (a.numel() == n && isSuffix(b.shape(), so)) {
            ElementwiseKernels.binary(op, as, bs, os, n, (int) b.numel(), false);
        } else if (a.numel() == 1 && b.numel() == n) {
            ElementwiseKernels.binary(op, as, bs, os, n, n, true);
        } else {
            broadcastBinary(op, as, a.shape(), bs, b.shape(), os, so);
        }
    }

    /** True when shape b (ignoring leading 1s) equals the trailing dimensions of out. */
    private static boolean isSuffix(int[] b, int[] out) {
        int start = 0;
        while (start < b.length && b[start] == 1 && b.length - start > 0) start++;
        int len = b.length - start;
        if (len > out.length) return false;
        for (int i = 0; i < len; i++) if (b[start + i] != out[out.length - len + i]) return false;
        return true;
    }

    /** Element strides of {@code shape} aligned to {@code out}'s rank, 0 where it is broadcast. */
    private static long[] broadcastStrides(int[] shape, int[] out) {
        long[] natural = Shapes.strides(shape);
        long[] s = new long[out.length];
        int shift = out.length - shape.length;
        for (int i = 0; i < shape.length; i++) s[i + shift] = shape[i] == 1 ? 0 : natural[i];
        return s;
    }

    private static void broadcastBinary(Binary op, MemorySegment a, int[] sa, MemorySegment b, int[] sb,
                                        MemorySegment out, int[] so) {
        long[] stA = broadcastStrides(sa, so), stB = broadcastStrides(sb, so);
        int rank = so.length;
        int last = rank == 0 ? 1 : so[rank - 1];
        int rows = (int) (Shapes.numel(so) / Math.max(1, last));
        long la = rank == 0 ? 0 : stA[rank - 1], lb = rank == 0 ? 0 : stB[rank - 1];
        Parallel.forRange(rows, Math.max(1, ElementwiseKernels.GRAIN / Math.max(1, last)), (from, to) -> {
            for (int r = from; r < to; r++) {
                long oa = 0, ob = 0;
                int rem = r;
                for (int d = rank - 2; d >= 0; d--) {
                    int idx = rem % so[d];
                    rem /= so[d];
                    oa += idx * stA[d];
                    ob += idx * stB[d];
                }
                long oo = (long) r * last;
                if (la == 1 && lb == 1) {
                    ElementwiseKernels.row(op, a, oa, b, ob, out, oo, last);
                } else {
                    for (int i = 0; i < last; i++) {
                        set(out, oo + i, ElementwiseKernels.apply(op, get(a, oa + i * la), get(b, ob + i * lb)));
                    }
                }
            }
        });
    }

    @Override
    public void addInPlace(Tensor dst, Tensor src) {
        ElementwiseKernels.addInPlace(dst.segment(), src.segment(), (int) dst.numel());
    }

    @Override
    public void unary(Unary op, Tensor x, Tensor out) {
        ElementwiseKernels.unary(op, x.segment(), out.segment(), (int) x.numel());
    }

    @Override
    public void unaryBackward(Unary op, Tensor x, Tensor gy, Tensor gx) {
        ElementwiseKernels.unaryBackward(op, x.segment(), gy.segment(), gx.segment(), (int) x.numel());
    }

    @Override
    public void affine(Tensor x, double scale, double shift, Tensor out) {
        ElementwiseKernels.affine(x.segment(), (float) scale, (float) shift, out.segment(), (int) x.numel());
    }

    @Override
    public void pow(Tensor x, double exponent, Tensor out) {
        ElementwiseKernels.pow(x.segment(), exponent, out.segment(), (int) x.numel());
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void sum(Tensor x, int outer, int size, int inner, Tensor out) {
        MemorySegment xs = x.segment(), os = out.segment();
        if (inner == 1) {
            Parallel.forRange(outer, Math.max(1, ElementwiseKernels.GRAIN / Math.max(1, size)), (from, to) -> {
                for (int o = from; o < to; o++) set(os, o, LayerKernels.sum(xs, (long) o * size, size));
            });
            return;
        }
        Parallel.forRange(outer, 1, (from, to) -> {
            for (int o = from; o < to; o++) {
                long base = (long) o * size * inner;
                for (int i = 0; i < inner; i++) set(os, (long) o * inner + i, 0f);
                for (int s = 0; s < size; s++) {
                    for (int i = 0; i < inner; i++) {
                        long at = (long) o * inner + i;
                        set(os, at, get(os, at) + get(xs, base + (long) s * inner + i));
                    }
                }
            }
        });
    }

    @Override
    public void max(Tensor x, int outer, int size, int inner, Tensor out, Tensor argmax) {
        MemorySegment xs = x.segment(), os = out.segment(), as = argmax.segment();
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                float best = Float.NEGATIVE_INFINITY;
                int arg = 0;
                for (int s = 0; s < size; s++) {
                    float v = get(xs, ((long) o * size + s) * inner + i);
                    if (v > best || Float.isNaN(v) && !Float.isNaN(best)) {
                        best = v;
                        arg = s;
                    }
                }
                set(os, (long) o * inner + i, best);
                as.setAtIndex(JAVA_INT_UNALIGNED, (long) o * inner + i, arg);
            }
        }
    }

    @Override
    public void maxBackward(Tensor gy, Tensor argmax, int outer, int size, int inner, Tensor gx) {
        MemorySegment g = gy.segment(), a = argmax.segment(), out = gx.segment();
        out.fill((byte) 0);
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                long at = (long) o * inner + i;
                int s = a.getAtIndex(JAVA_INT_UNALIGNED, at);
                set(out, ((long) o * size + s) * inner + i, get(g, at));
            }
        }
    }

    @Override
    public void sumToShape(Tensor x, Tensor out) {
        // Sums accumulate in double: torch's reductions sum pairwise, so a long float running sum (e.g. a scalar gate's
        // gradient over every element of a layer's output) would drift from it by far more than float rounding.
        int[] sx = x.shape(), so = out.shape();
        MemorySegment xs = x.segment(), os = out.segment();
        if (isSuffix(so, sx)) { // the bias case: sum rows
            int width = (int) out.numel(), rows = (int) (x.numel() / Math.max(1, width));
            double[] acc = new double[width];
            for (int r = 0; r < rows; r++) {
                long o = (long) r * width;
                for (int i = 0; i < width; i++) acc[i] += get(xs, o + i);
            }
            for (int i = 0; i < width; i++) set(os, i, (float) acc[i]);
            return;
        }
        long[] stO = broadcastStrides(so, sx);
        int rank = sx.length;
        long n = x.numel();
        double[] acc = new double[(int) out.numel()];
        int[] idx = new int[rank];
        for (long i = 0; i < n; i++) {
            long target = 0;
            for (int d = 0; d < rank; d++) target += idx[d] * stO[d];
            acc[(int) target] += get(xs, i);
            for (int d = rank - 1; d >= 0; d--) {
                if (++idx[d] < sx[d]) break;
                idx[d] = 0;
            }
        }
        for (int i = 0; i < acc.length; i++) set(os, i, (float) acc[i]);
    }

    // ------------------------------------------------------------------ products

    @Override
    public void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor out,
                       int batch, int m, int n, int k, boolean aShared, boolean bShared, boolean accumulate) {
        Sgemm.gemm(batch, m, n, k,
                a.segment(), 0, aShared ? 0 : (long) m * k, transA,
                b.segment(), 0, bShared ? 0 : (long) k * n, transB,
                out.segment(), 0, (long) m * n, accumulate);
    }

    // ------------------------------------------------------------------ data movement

    @Override
    public void permute(Tensor x, int[] perm, Tensor out) {
        int[] sx = x.shape();
        int rank = sx.length;
        int es = x.dtype().bytes();
        MemorySegment xs = x.segment(), os = out.segment();
        // Trailing dimensions that stay in place are copied as contiguous blocks.
        int keep = 0;
        while (keep < rank && perm[rank - 1 - keep] == rank - 1 - keep) keep++;
        long block = Shapes.prod(sx, rank - keep, rank);
        int outerRank = rank - keep;
        if (outerRank == 0) {
            MemorySegment.copy(xs, 0, os, 0, x.byteSize());
            return;
        }
        long[] stX = Shapes.strides(sx);
        int[] so = out.shape();
        int blocks = (int) Shapes.prod(so, 0, outerRank);
        long blockBytes = block * es;
        Parallel.forRange(blocks, Math.max(1, (int) (ElementwiseKernels.GRAIN / Math.max(1, block))), (from, to) -> {
            int[] idx = new int[outerRank];
            int rem = from;
            for (int d = outerRank - 1; d >= 0; d--) {
                idx[d] = rem % so[d];
                rem /= so[d];
            }
            for (int bi = from; bi < to; bi++) {
                long src = 0;
                for (int d = 0; d < outerRank; d++) src += idx[d] * stX[perm[d]];
                if (block == 1) {
                    if (es == 4) os.setAtIndex(JAVA_INT_UNALIGNED, bi, xs.getAtIndex(JAVA_INT_UNALIGNED, src));
                    else os.setAtIndex(JAVA_SHORT_UNALIGNED, bi, xs.getAtIndex(JAVA_SHORT_UNALIGNED, src));
                } else {
                    MemorySegment.copy(xs, src * es, os, bi * blockBytes, blockBytes);
                }
                for (int d = outerRank - 1; d >= 0; d--) {
                    if (++idx[d] < so[d]) break;
                    idx[d] = 0;
                }
            }
        });
    }

    @Override
    public void copySlab(Tensor x, int srcSize, int srcStart, Tensor out, int dstSize, int dstStart,
                         int outer, int length, int inner, boolean accumulate) {
        MemorySegment xs = x.segment(), os = out.segment();
        int es = x.dtype().bytes();
        long run = (long) length * inner;
        for (int o = 0; o < outer; o++) {
            long src = ((long) o * srcSize + srcStart) * inner, dst = ((long) o * dstSize + dstStart) * inner;
            if (accumulate) {
                for (long i = 0; i < run; i++) set(os, dst + i, get(os, dst + i) + get(xs, src + i));
            } else {
                MemorySegment.copy(xs, src * es, os, dst * es, run * es);
            }
        }
    }

    private static int rowIndex(MemorySegment index, long r, long rows, String op) {
        int i = index.getAtIndex(JAVA_INT_UNALIGNED, r);
        if (i < 0 || i >= rows) {
            throw new IndexOutOfBoundsException(op + ": index " + i + " at position " + r + " is outside [0, " + rows + ")");
        }
        return i;
    }

    @Override
    public void gatherRows(Tensor x, Tensor index, int width, Tensor out) {
        MemorySegment xs = x.segment(), is = index.segment(), os = out.segment();
        long rowBytes = (long) width * x.dtype().bytes();
        long rows = x.shape()[0];
        int n = (int) index.numel();
        Parallel.forRange(n, Math.max(1, (int) (ElementwiseKernels.GRAIN / Math.max(1, width))), (from, to) -> {
            for (int r = from; r < to; r++) {
                MemorySegment.copy(xs, rowIndex(is, r, rows, "gatherRows") * rowBytes, os, r * rowBytes, rowBytes);
            }
        });
    }

    @Override
    public void scatterAddRows(Tensor src, Tensor index, int width, Tensor out) {
        MemorySegment ss = src.segment(), is = index.segment(), os = out.segment();
        long rows = out.shape()[0];
        int n = (int) index.numel();
        for (int r = 0; r < n; r++) {
            long dst = (long) rowIndex(is, r, rows, "scatterAddRows") * width, from = (long) r * width;
            for (int i = 0; i < width; i++) set(os, dst + i, get(os, dst + i) + get(ss, from + i));
        }
    }

    @Override
    public void scatterRows(Tensor src, Tensor index, int width, Tensor out) {
        MemorySegment ss = src.segment(), is = index.segment(), os = out.segment();
        long rowBytes = (long) width * 4, rows = out.shape()[0];
        for (int r = 0; r < index.numel(); r++) {
            MemorySegment.copy(ss, r * rowBytes, os, rowIndex(is, r, rows, "scatterRows") * rowBytes, rowBytes);
        }
    }

    @Override
    public void zeroRows(Tensor x, Tensor index, int width) {
        MemorySegment xs = x.segment(), is = index.segment();
        long rowBytes = (long) width * 4, rows = x.shape()[0];
        for (int r = 0; r < index.numel(); r++) {
            xs.asSlice(rowIndex(is, r, rows, "zeroRows") * rowBytes, rowBytes).fill((byte) 0);
        }
    }

    // ------------------------------------------------------------------ fused layers

    @Override
    public void rmsNorm(Tensor x, Tensor w, double eps, int width, Tensor y, Tensor rstd) {
        LayerKernels.rmsNorm(x.segment(), w.segment(), (float) eps, width, rows(x, width), y.segment(), rstd.segment());
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor gy, int width, Tensor gx, Tensor gw) {
        LayerKernels.rmsNormBackward(x.segment(), w.segment(), rstd.segment(), gy.segment(), width, rows(x, width),
                gx.segment(), gw == null ? null : gw.segment());
    }

    @Override
    public void layerNorm(Tensor x, Tensor w, Tensor b, double eps, int width, Tensor y, Tensor mean, Tensor rstd) {
        LayerKernels.layerNorm(x.segment(), seg(w), seg(b), (float) eps, width, rows(x, width), y.segment(),
                mean.segment(), rstd.segment());
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor gy, int width,
                                  Tensor gx, Tensor gw, Tensor gb) {
        LayerKernels.layerNormBackward(x.segment(), seg(w), mean.segment(), rstd.segment(), gy.segment(), width,
                rows(x, width), seg(gx), seg(gw), seg(gb));
    }

    @Override
    public void softmax(Tensor x, int width, Tensor y, boolean log) {
        LayerKernels.softmax(x.segment(), width, rows(x, width), y.segment(), log);
    }

    @Override
    public void softmaxBackward(Tensor y, Tensor gy, int width, Tensor gx, boolean log) {
        LayerKernels.softmaxBackward(y.segment(), gy.segment(), width, rows(y, width), gx.segment(), log);
    }

    @Override
    public void attentionSoftmax(Tensor x, double scale, boolean causal, int t, Tensor keyMask, int rowsPerBatch,
                                 int width, Tensor y) {
        LayerKernels.attentionSoftmax(x.segment(), (float) scale, causal, t, keyMask == null ? null : keyMask.toIntArray(),
                rowsPerBatch, width, rows(x, width), y.segment());
    }

    @Override
    public void attentionSoftmaxBackward(Tensor y, Tensor gy, double scale, int width, Tensor gx) {
        LayerKernels.attentionSoftmaxBackward(y.segment(), gy.segment(), (float) scale, width, rows(y, width), gx.segment());
    }

    @Override
    public void crossEntropy(Tensor logits, Tensor labels, int ignoreIndex, int vocab, Tensor loss, Tensor lse) {
        LayerKernels.crossEntropy(logits.segment(), labels.segment(), ignoreIndex, vocab, rows(logits, vocab),
                loss.segment(), lse.segment());
    }

    @Override
    public void crossEntropyBackward(Tensor logits, Tensor labels, Tensor lse, int ignoreIndex, int vocab, double scale,
                                     Tensor glogits) {
        LayerKernels.crossEntropyBackward(logits.segment(), labels.segment(), lse.segment(), ignoreIndex, vocab,
                rows(logits, vocab), (float) scale, glogits.segment());
    }

    @Override
    public void swiglu(Tensor gate, Tensor up, Tensor y) {
        LayerKernels.swiglu(gate.segment(), up.segment(), y.segment(), (int) gate.numel());
    }

    @Override
    public void swigluBackward(Tensor gate, Tensor up, Tensor gy, Tensor ggate, Tensor gup) {
        LayerKernels.swigluBackward(gate.segment(), up.segment(), gy.segment(), ggate.segment(), gup.segment(),
                (int) gate.numel());
    }

    @Override
    public void dropoutMask(long seed, double p, Tensor out) {
        MemorySegment os = out.segment();
        float keepScale = (float) (1 / (1 - p));
        long n = out.numel();
        for (long i = 0; i < n; i++) {
            double u = (mix(seed + 0x9E3779B97F4A7C15L * (i + 1)) >>> 11) * 0x1.0p-53;
            set(os, i, u >= p ? keepScale : 0f);
        }
    }

    /** SplitMix64's finaliser: a counter-based generator, so a mask depends only on (seed, position). */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void rope(Tensor x, Tensor cos, Tensor sin, Tensor y, boolean inverse) {
        int[] s = x.shape();
        LayerKernels.rope(x.segment(), cos.segment(), sin.segment(), y.segment(), s[0], s[1], s[2], s[3], inverse);
    }

    @Override
    public double sumOfSquares(Tensor x) {
        MemorySegment s = x.segment();
        long n = x.numel();
        // In double, as before, a double vector's worth of floats at a time (two accumulators, the lanes added in
        // a fixed order at the end, so the result does not depend on how the JIT reduces a vector).
        VectorSpecies<Double> ds = DoubleVector.SPECIES_PREFERRED;
        VectorSpecies<Float> fs = VectorSpecies.of(float.class, VectorShape.forBitSize(ds.vectorBitSize() / 2));
        int lanes = ds.length();
        DoubleVector acc0 = DoubleVector.zero(ds), acc1 = acc0;
        long i = 0;
        for (; i + 2L * lanes <= n; i += 2L * lanes) {
            DoubleVector a = (DoubleVector) FloatVector.fromMemorySegment(fs, s, i << 2, ElementwiseKernels.LE)
                    .convertShape(VectorOperators.F2D, ds, 0);
            DoubleVector b = (DoubleVector) FloatVector.fromMemorySegment(fs, s, (i + lanes) << 2, ElementwiseKernels.LE)
                    .convertShape(VectorOperators.F2D, ds, 0);
            acc0 = a.fma(a, acc0);
            acc1 = b.fma(b, acc1);
        }
        double[] partial = acc0.add(acc1).toArray();
        double total = 0;
        for (double p : partial) total += p;
        for (; i < n; i++) {
            double v = get(s, i);
            total += v * v;
        }
        return total;
    }

    @Override
    public void adamw(Tensor p, Tensor g, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps,
                      double weightDecay, double biasCorrection1, double biasCorrection2Sqrt) {
        MemorySegment ps = p.segment(), gs = g.segment(), ms = m.segment(), vs = v.segment();
        float decay = (float) (1 - lr * weightDecay), w1 = (float) (1 - beta1), b2 = (float) beta2, w2 = (float) (1 - beta2);
        float stepSize = (float) (lr / biasCorrection1), bc2 = (float) biasCorrection2Sqrt, e = (float) eps;
        Parallel.forRange((int) p.numel(), ElementwiseKernels.GRAIN, (from, to) -> {
            VectorSpecies<Float> sp = ElementwiseKernels.S;
            int i = from;
            // The same operations in the same order as the scalar tail, so every element gets the same bits.
            for (; i + sp.length() <= to; i += sp.length()) {
                long at = (long) i << 2;
                FloatVector gi = FloatVector.fromMemorySegment(sp, gs, at, ElementwiseKernels.LE);
                FloatVector mi = FloatVector.fromMemorySegment(sp, ms, at, ElementwiseKernels.LE);
                FloatVector vi = FloatVector.fromMemorySegment(sp, vs, at, ElementwiseKernels.LE);
                mi = mi.add(gi.sub(mi).mul(w1));
                vi = vi.mul(b2).add(gi.mul(w2).mul(gi));
                FloatVector denom = vi.sqrt().div(bc2).add(e);
                FloatVector pi = FloatVector.fromMemorySegment(sp, ps, at, ElementwiseKernels.LE).mul(decay);
                pi.sub(mi.div(denom).mul(stepSize)).intoMemorySegment(ps, at, ElementwiseKernels.LE);
                mi.intoMemorySegment(ms, at, ElementwiseKernels.LE);
                vi.intoMemorySegment(vs, at, ElementwiseKernels.LE);
            }
            for (; i < to; i++) {
                float gi = get(gs, i), mi = get(ms, i), vi = get(vs, i);
                mi = mi + (gi - mi) * w1;          // torch: exp_avg.lerp_(grad, 1 - beta1)
                vi = vi * b2 + gi * w2 * gi;        // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2)
                float denom = (float) Math.sqrt(vi) / bc2 + e;
                float pi = get(ps, i) * decay;      // param.mul_(1 - lr * weight_decay)
                set(ps, i, pi - (mi / denom) * stepSize);
                set(ms, i, mi);
                set(vs, i, vi);
            }
        });
    }

    private static int rows(Tensor x, int width) {
        return (int) (x.numel() / Math.max(1, width));
    }

    private static MemorySegment seg(Tensor t) {
        return t == null ? null : t.segment();
    }

    @Override
    public String toString() {
        return "cpu backend (" + Parallel.threads() + " threads, " + ElementwiseKernels.S + ")";
    }
}

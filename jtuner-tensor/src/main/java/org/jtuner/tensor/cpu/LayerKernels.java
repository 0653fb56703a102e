package org.jtuner.tensor.cpu;

import static org.jtuner.tensor.cpu.ElementwiseKernels.GRAIN;
import static org.jtuner.tensor.cpu.ElementwiseKernels.LE;
import static org.jtuner.tensor.cpu.ElementwiseKernels.S;
import static org.jtuner.tensor.cpu.ElementwiseKernels.get;
import static org.jtuner.tensor.cpu.ElementwiseKernels.set;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** Fused row-wise kernels: norms, softmax, cross-entropy, SwiGLU, rotary embedding. One pass per row where possible. */
final class LayerKernels {
    private LayerKernels() {}

    /** Rows per parallel chunk, so that a chunk is at least about GRAIN elements. */
    private static int rowGrain(int width) {
        return Math.max(1, GRAIN / Math.max(1, width));
    }

    /**
     * The sum of a vector's lanes in a fixed order. reduceLanes(ADD) leaves the order open, and the interpreted
     * and compiled forms of it differ in the last bits: results would then depend on JIT warm-up.
     */
    static float sumLanes(FloatVector v) {
        float[] lanes = LANES.get();
        v.intoArray(lanes, 0);
        float s = 0;
        for (int i = 0; i < lanes.length; i++) s += lanes[i];
        return s;
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[S.length()]);

    static float dot(MemorySegment a, long ai, MemorySegment b, long bi, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + S.length() <= n; i += S.length()) acc = FloatVector.fromMemorySegment(S, a, (long) (ai + i) << 2, LE).fma(FloatVector.fromMemorySegment(S, b, (long) (bi + i) << 2, LE), acc);
        float s = sumLanes(acc);
        for (; i < n; i++) s += get(a, ai + i) * get(b, bi + i);
        return s;
    }

    static float sum(MemorySegment a, long ai, int n) {
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + S.length() <= n; i += S.length()) acc = acc.add(FloatVector.fromMemorySegment(S, a, (long) (ai + i) << 2, LE));
        float s = sumLanes(acc);
        for (; i < n; i++) s += get(a, ai + i);
        return s;
    }

    static float max(MemorySegment a, long ai, int n) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        for (; i + S.length() <= n; i += S.length()) acc = acc.max(FloatVector.fromMemorySegment(S, a, (long) (ai + i) << 2, LE));
        float m = acc.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) m = Math.max(m, get(a, ai + i));
        return m;
    }

    // ---------------------------------------------------------------- RMSNorm

    static void rmsNorm(MemorySegment x, MemorySegment w, float eps, int width, int rows, MemorySegment y, MemorySegment rstd) {
        Parallel.forRange(rows, rowGrain(width), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                float ms = dot(x, o, x, o, width) / width;
                float rs = (float) (1.0 / Math.sqrt(ms + eps));
                set(rstd, r, rs);
                int i = 0;
                for (; i + S.length() <= width; i += S.length()) {
                    FloatVector.fromMemorySegment(S, x, (long) (o + i) << 2, LE).mul(rs).mul(FloatVector.fromMemorySegment(S, w, (long) (i) << 2, LE)).intoMemorySegment(y, (long) (o + i) << 2, LE);
                }
                for (; i < width; i++) set(y, o + i, get(x, o + i) * rs * get(w, i));
            }
        });
    }

    static void rmsNormBackward(MemorySegment x, MemorySegment w, MemorySegment rstd, MemorySegment gy, int width, int rows,
                                MemorySegment gx, MemorySegment gw) {
        float[][] partial = new float[Parallel.chunks(rows, rowGrain(width))][];
        Parallel.forChunks(rows, rowGrain(width), (chunk, from, to) -> {
            float[] gwPart = gw == null ? null : (partial[chunk] = new float[width]);
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                float rs = get(rstd, r);
                // dx = rs * gy*w - rs³ * x * mean(gy*w*x)
                float dotv = 0;
                for (int i = 0; i < width; i++) dotv += get(gy, o + i) * get(w, i) * get(x, o + i);
                float c = rs * rs * rs * dotv / width;
                for (int i = 0; i < width; i++) {
                    float xi = get(x, o + i), gi = get(gy, o + i);
                    set(gx, o + i, rs * gi * get(w, i) - c * xi);
                    if (gwPart != null) gwPart[i] += gi * xi * rs;
                }
            }
        });
        if (gw != null) accumulate(partial, gw, width);
    }

    /** gw[i] += Σ over the per-thread partial sums. */
    private static void accumulate(float[][] partial, MemorySegment g, int width) {
        for (float[] p : partial) {
            if (p == null) continue;
            for (int i = 0; i < width; i++) set(g, i, get(g, i) + p[i]);
        }
    }

    // ---------------------------------------------------------------- LayerNorm

    static void layerNorm(MemorySegment x, MemorySegment w, MemorySegment b, float eps, int width, int rows,
                          MemorySegment y, MemorySegment mean, MemorySegment rstd) {
        Parallel.forRange(rows, rowGrain(width), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                float mu = sum(x, o, width) / width;
                float var = 0;
                for (int i = 0; i < width; i++) {
                    float d = get(x, o + i) - mu;
                    var += d * d;
                }
                var /= width;
                float rs = (float) (1.0 / Math.sqrt(var + eps));
                set(mean, r, mu);
                set(rstd, r, rs);
                for (int i = 0; i < width; i++) {
                    float v = (get(x, o + i) - mu) * rs;
                    if (w != null) v *= get(w, i);
                    if (b != null) v += get(b, i);
                    set(y, o + i, v);
                }
            }
        });
    }

    static void layerNormBackward(MemorySegment x, MemorySegment w, MemorySegment mean, MemorySegment rstd, MemorySegment gy,
                                  int width, int rows, MemorySegment gx, MemorySegment gw, MemorySegment gb) {
        int chunks = Parallel.chunks(rows, rowGrain(width));
        float[][] partialW = new float[chunks][], partialB = new float[chunks][];
        Parallel.forChunks(rows, rowGrain(width), (chunk, from, to) -> {
            float[] pw = gw == null ? null : (partialW[chunk] = new float[width]);
            float[] pb = gb == null ? null : (partialB[chunk] = new float[width]);
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                float mu = get(mean, r), rs = get(rstd, r);
                float sumD = 0, sumDX = 0;
                for (int i = 0; i < width; i++) {
                    float xh = (get(x, o + i) - mu) * rs;
                    float g = get(gy, o + i);
                    float d = w == null ? g : g * get(w, i);
                    sumD += d;
                    sumDX += d * xh;
                    if (pw != null) pw[i] += g * xh;
                    if (pb != null) pb[i] += g;
                }
                float meanD = sumD / width, meanDX = sumDX / width;
                if (gx != null) {
                    for (int i = 0; i < width; i++) {
                        float xh = (get(x, o + i) - mu) * rs;
                        float d = w == null ? get(gy, o + i) : get(gy, o + i) * get(w, i);
                        set(gx, o + i, rs * (d - meanD - xh * meanDX));
                    }
                }
            }
        });
        if (gw != null) accumulate(partialW, gw, width);
        if (gb != null) accumulate(partialB, gb, width);
    }

    // ---------------------------------------------------------------- softmax

    static void softmax(MemorySegment x, int width, int rows, MemorySegment y, boolean log) {
        Parallel.forRange(rows, rowGrain(width), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                float m = max(x, o, width);
                if (m == Float.NEGATIVE_INFINITY) m = 0;
                FloatVector mv = FloatVector.broadcast(S, m);
                FloatVector acc = FloatVector.zero(S);
                int i = 0;
                for (; i + S.length() <= width; i += S.length()) {
                    FloatVector e = VectorMath.exp(FloatVector.fromMemorySegment(S, x, (long) (o + i) << 2, LE).sub(mv));
                    if (!log) e.intoMemorySegment(y, (long) (o + i) << 2, LE);
                    acc = acc.add(e);
                }
                float total = sumLanes(acc);
                for (; i < width; i++) {
                    float e = (float) Math.exp(get(x, o + i) - m);
                    if (!log) set(y, o + i, e);
                    total += e;
                }
                if (log) {
                    float shift = m + (float) Math.log(total);
                    for (int j = 0; j < width; j++) set(y, o + j, get(x, o + j) - shift);
                } else {
                    float inv = 1f / total;
                    int j = 0;
                    for (; j + S.length() <= width; j += S.length()) FloatVector.fromMemorySegment(S, y, (long) (o + j) << 2, LE).mul(inv).intoMemorySegment(y, (long) (o + j) << 2, LE);
                    for (; j < width; j++) set(y, o + j, get(y, o + j) * inv);
                }
            }
        });
    }

    static void softmaxBackward(MemorySegment y, MemorySegment gy, int width, int rows, MemorySegment gx, boolean log) {
        Parallel.forRange(rows, rowGrain(width), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                if (log) {
                    float total = sum(gy, o, width);
                    for (int i = 0; i < width; i++) set(gx, o + i, get(gy, o + i) - (float) Math.exp(get(y, o + i)) * total);
                } else {
                    float d = dot(gy, o, y, o, width);
                    FloatVector dv = FloatVector.broadcast(S, d);
                    int i = 0;
                    for (; i + S.length() <= width; i += S.length()) {
                        FloatVector.fromMemorySegment(S, y, (long) (o + i) << 2, LE).mul(FloatVector.fromMemorySegment(S, gy, (long) (o + i) << 2, LE).sub(dv)).intoMemorySegment(gx, (long) (o + i) << 2, LE);
                    }
                    for (; i < width; i++) set(gx, o + i, get(y, o + i) * (get(gy, o + i) - d));
                }
            }
        });
    }

    // ---------------------------------------------------------------- attention softmax

    /**
     * softmax(x · scale) per row with masked keys left out (see Backend#attentionSoftmax). The arithmetic on the
     * visible keys is that of affine, then adding a 0 / -1e30 mask, then {@link #softmax}, in the same order (whole
     * vectors, then a scalar tail), so the result is the same bits as that composition; masked keys are skipped
     * instead of computed to 0, and whole vectors past a causal row's last visible key are not read at all.
     */
    static void attentionSoftmax(MemorySegment x, float scale, boolean causal, int t, int[] keyMask, int rowsPerBatch,
                                 int width, int rows, MemorySegment y) {
        int batches = rows / rowsPerBatch;
        boolean[] keep = null;
        int[] firstKept = new int[batches]; // per batch, the first key not padded (width when none)
        int[] firstPadded = new int[batches]; // per batch, the first padded key (width when none)
        Arrays.fill(firstPadded, width);
        if (keyMask != null) {
            keep = new boolean[keyMask.length];
            for (int b = 0; b < batches; b++) {
                firstKept[b] = width;
                for (int j = width - 1; j >= 0; j--) {
                    keep[b * width + j] = keyMask[b * width + j] != 0;
                    if (keep[b * width + j]) firstKept[b] = j;
                    else firstPadded[b] = j;
                }
            }
        }
        final boolean[] kept = keep;
        int full = width - width % S.length(); // the end of the whole vectors of a row
        FloatVector none = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        Parallel.forRange(rows, rowGrain(width), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                int b = r / rowsPerBatch, i = r % t;
                int kb = b * width;
                int limit = causal ? Math.max(0, Math.min(width, i + width - t + 1)) : width; // keys [0, limit) pass the causal rule
                if (firstKept[b] >= limit) { // no visible key: uniform, as softmax of an all -1e30 row
                    FloatVector u = FloatVector.broadcast(S, 1f / width);
                    int j = 0;
                    for (; j < full; j += S.length()) u.intoMemorySegment(y, (long) (o + j) << 2, LE);
                    for (; j < width; j++) set(y, o + j, 1f / width);
                    continue;
                }
                int clear = Math.min(limit, firstPadded[b]); // keys [0, clear) are all visible: no mask needed there
                FloatVector acc = none;
                int j = 0;
                for (; j < full && j < limit; j += S.length()) {
                    FloatVector z = FloatVector.fromMemorySegment(S, x, (long) (o + j) << 2, LE).mul(scale);
                    acc = acc.max(j + S.length() <= clear ? z : z.blend(none, visible(kept, kb, j, limit).not()));
                }
                float m = acc.reduceLanes(VectorOperators.MAX);
                for (j = full; j < limit; j++) if (kept == null || kept[kb + j]) m = Math.max(m, get(x, o + j) * scale);
                FloatVector mv = FloatVector.broadcast(S, m), sum = FloatVector.zero(S);
                for (j = 0; j < full && j < limit; j += S.length()) {
                    FloatVector z = FloatVector.fromMemorySegment(S, x, (long) (o + j) << 2, LE).mul(scale);
                    FloatVector e = VectorMath.exp(z.sub(mv));
                    if (j + S.length() > clear) e = e.blend(0f, visible(kept, kb, j, limit).not());
                    e.intoMemorySegment(y, (long) (o + j) << 2, LE);
                    sum = sum.add(e);
                }
                FloatVector zero = FloatVector.zero(S);
                for (; j < full; j += S.length()) zero.intoMemorySegment(y, (long) (o + j) << 2, LE);
                float total = sumLanes(sum);
                for (j = full; j < width; j++) {
                    float e = j < limit && (kept == null || kept[kb + j]) ? (float) Math.exp(get(x, o + j) * scale - m) : 0f;
                    set(y, o + j, e);
                    total += e;
                }
                float inv = 1f / total;
                // whole vectors past the limit hold zeros only
                for (j = 0; j < full && j < limit; j += S.length()) FloatVector.fromMemorySegment(S, y, (long) (o + j) << 2, LE).mul(inv).intoMemorySegment(y, (long) (o + j) << 2, LE);
                for (j = full; j < width; j++) set(y, o + j, get(y, o + j) * inv);
            }
        });
    }

    /** The lanes of keys j .. j + lanes - 1 that are before the causal limit and not padding. */
    private static VectorMask<Float> visible(boolean[] kept, int kb, int j, int limit) {
        VectorMask<Float> m = S.indexInRange(j, limit);
        return kept == null ? m : m.and(VectorMask.fromArray(S, kept, kb + j));
    }

    /** gx = scale · y · (gy - Σ gy·y), rounded as softmaxBackward followed by affine (the same bits). */
    static void attentionSoftmaxBackward(MemorySegment y, MemorySegment gy, float scale, int width, int rows, MemorySegment gx) {
        FloatVector sv = FloatVector.broadcast(S, scale), zero = FloatVector.zero(S);
        Parallel.forRange(rows, rowGrain(width), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * width;
                float d = dot(gy, o, y, o, width);
                FloatVector dv = FloatVector.broadcast(S, d);
                int i = 0;
                for (; i + S.length() <= width; i += S.length()) {
                    FloatVector.fromMemorySegment(S, y, (long) (o + i) << 2, LE).mul(FloatVector.fromMemorySegment(S, gy, (long) (o + i) << 2, LE).sub(dv))
                            .fma(sv, zero).intoMemorySegment(gx, (long) (o + i) << 2, LE); // (+ 0: masked keys get +0, as affine gave)
                }
                for (; i < width; i++) set(gx, o + i, Math.fma(get(y, o + i) * (get(gy, o + i) - d), scale, 0f));
            }
        });
    }

    // ---------------------------------------------------------------- cross-entropy

    static void crossEntropy(MemorySegment logits, MemorySegment labels, int ignore, int vocab, int rows,
                             MemorySegment loss, MemorySegment lse) {
        Parallel.forRange(rows, rowGrain(vocab), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * vocab;
                int label = labels.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, r);
                float m = max(logits, o, vocab);
                FloatVector mv = FloatVector.broadcast(S, m), acc = FloatVector.zero(S);
                int i = 0;
                for (; i + S.length() <= vocab; i += S.length()) {
                    acc = acc.add(VectorMath.exp(FloatVector.fromMemorySegment(S, logits, (long) (o + i) << 2, LE).sub(mv)));
                }
                double total = sumLanes(acc);
                for (; i < vocab; i++) total += Math.exp(get(logits, o + i) - m);
                float l = m + (float) Math.log(total);
                set(lse, r, l);
                set(loss, r, label == ignore ? 0f : l - get(logits, o + label));
            }
        });
    }

    static void crossEntropyBackward(MemorySegment logits, MemorySegment labels, MemorySegment lse, int ignore, int vocab,
                                     int rows, float scale, MemorySegment g) {
        Parallel.forRange(rows, rowGrain(vocab), (from, to) -> {
            for (int r = from; r < to; r++) {
                long o = (long) r * vocab;
                int label = labels.getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, r);
                if (label == ignore) {
                    g.asSlice(o * 4, (long) vocab * 4).fill((byte) 0);
                    continue;
                }
                FloatVector lv = FloatVector.broadcast(S, get(lse, r));
                int i = 0;
                for (; i + S.length() <= vocab; i += S.length()) {
                    VectorMath.exp(FloatVector.fromMemorySegment(S, logits, (long) (o + i) << 2, LE).sub(lv)).mul(scale).intoMemorySegment(g, (long) (o + i) << 2, LE);
                }
                for (; i < vocab; i++) set(g, o + i, (float) Math.exp(get(logits, o + i) - get(lse, r)) * scale);
                set(g, o + label, get(g, o + label) - scale);
            }
        });
    }

    // ---------------------------------------------------------------- SwiGLU

    static void swiglu(MemorySegment gate, MemorySegment up, MemorySegment y, int n) {
        Parallel.forRange(n, GRAIN / 4, (from, to) -> {
            int i = from;
            for (; i + S.length() <= to; i += S.length()) {
                FloatVector g = FloatVector.fromMemorySegment(S, gate, (long) (i) << 2, LE);
                g.mul(ElementwiseKernels.sigmoid(g)).mul(FloatVector.fromMemorySegment(S, up, (long) (i) << 2, LE)).intoMemorySegment(y, (long) (i) << 2, LE);
            }
            for (; i < to; i++) {
                float g = get(gate, i);
                set(y, i, (float) (g * ElementwiseKernels.sigmoid(g)) * get(up, i));
            }
        });
    }

    static void swigluBackward(MemorySegment gate, MemorySegment up, MemorySegment gy, MemorySegment gg, MemorySegment gu, int n) {
        Parallel.forRange(n, GRAIN / 4, (from, to) -> {
            int i = from;
            FloatVector one = FloatVector.broadcast(S, 1f);
            for (; i + S.length() <= to; i += S.length()) {
                FloatVector g = FloatVector.fromMemorySegment(S, gate, (long) (i) << 2, LE), s = ElementwiseKernels.sigmoid(g), d = FloatVector.fromMemorySegment(S, gy, (long) (i) << 2, LE);
                FloatVector silu = g.mul(s);
                FloatVector dsilu = s.mul(one.add(g.mul(one.sub(s))));
                d.mul(FloatVector.fromMemorySegment(S, up, (long) (i) << 2, LE)).mul(dsilu).intoMemorySegment(gg, (long) (i) << 2, LE);
                d.mul(silu).intoMemorySegment(gu, (long) (i) << 2, LE);
            }
            for (; i < to; i++) {
                float g = get(gate, i), s = (float) ElementwiseKernels.sigmoid(g), d = get(gy, i);
                set(gg, i, d * get(up, i) * s * (1 + g * (1 - s)));
                set(gu, i, d * g * s);
            }
        });
    }

    // ---------------------------------------------------------------- rotary embedding

    /** x, y [B, H, T, D]; cos, sin [B, T, D]. Inverse applies the transposed rotation (the gradient). */
    static void rope(MemorySegment x, MemorySegment cos, MemorySegment sin, MemorySegment y,
                     int batch, int heads, int seq, int dim, boolean inverse) {
        int half = dim / 2;
        Parallel.forRange(batch * heads, Math.max(1, GRAIN / Math.max(1, seq * dim)), (from, to) -> {
            for (int bh = from; bh < to; bh++) {
                int b = bh / heads;
                for (int t = 0; t < seq; t++) {
                    long xo = ((long) bh * seq + t) * dim, co = ((long) b * seq + t) * dim;
                    int i = 0;
                    for (; i + S.length() <= half; i += S.length()) {
                        FloatVector x1 = FloatVector.fromMemorySegment(S, x, (long) (xo + i) << 2, LE), x2 = FloatVector.fromMemorySegment(S, x, (long) (xo + i + half) << 2, LE);
                        FloatVector c1 = FloatVector.fromMemorySegment(S, cos, (long) (co + i) << 2, LE), c2 = FloatVector.fromMemorySegment(S, cos, (long) (co + i + half) << 2, LE);
                        FloatVector s1 = FloatVector.fromMemorySegment(S, sin, (long) (co + i) << 2, LE), s2 = FloatVector.fromMemorySegment(S, sin, (long) (co + i + half) << 2, LE);
                        if (!inverse) {
                            x1.mul(c1).sub(x2.mul(s1)).intoMemorySegment(y, (long) (xo + i) << 2, LE);
                            x2.mul(c2).add(x1.mul(s2)).intoMemorySegment(y, (long) (xo + i + half) << 2, LE);
                        } else {
                            x1.mul(c1).add(x2.mul(s2)).intoMemorySegment(y, (long) (xo + i) << 2, LE);
                            x2.mul(c2).sub(x1.mul(s1)).intoMemorySegment(y, (long) (xo + i + half) << 2, LE);
                        }
                    }
                    for (; i < half; i++) {
                        float x1 = get(x, xo + i), x2 = get(x, xo + i + half);
                        float c1 = get(cos, co + i), c2 = get(cos, co + i + half);
                        float s1 = get(sin, co + i), s2 = get(sin, co + i + half);
                        if (!inverse) {
                            set(y, xo + i, x1 * c1 - x2 * s1);
                            set(y, xo + i + half, x2 * c2 + x1 * s2);
                        } else {
                            set(y, xo + i, x1 * c1 + x2 * s2);
                            set(y, xo + i + half, x2 * c2 - x1 * s1);
                        }
                    }
                }
            }
        });
    }
}

package org.jtuner.tensor.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply on the CPU: a register-tiled Vector API micro-kernel over packed panels.
 *
 * <p>Blocking (GotoBLAS/BLIS style): for each NC-wide column block and each KC-deep slice of k, the KC×NC block of
 * op(B) is packed into NR-wide panels ({@code p*NR + j} inside a panel); for each MC-tall row block the MC×KC block
 * of op(A) is packed into MR-tall panels ({@code p*MR + i}). The micro-kernel keeps an MR×NR tile of C in
 * registers, broadcasting one element of A against NR/VL vectors of B per step. Packing absorbs both transposes, so
 * the kernel sees one layout. Edge tiles are zero-padded in the packed panels and written back with masks.
 */
public final class Sgemm {
    /** Vector species: 512-bit where the hardware has it, else the preferred width. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int KERNEL = Integer.getInteger("jtuner.sgemm.kernel", 0);
    /** Rows of the register tile. */
    static final int MR = switch (KERNEL) { case 1 -> 8; case 2 -> 12; case 3 -> 8; case 4 -> 14; case 5 -> 4; default -> 6; };
    /** Columns of the register tile (a multiple of the vector length). */
    static final int NR = switch (KERNEL) { case 3 -> 3 * VL; case 5 -> 4 * VL; default -> 2 * VL; };
    static final int KC = Integer.getInteger("jtuner.sgemm.kc", 256);
    static final int MC = Integer.getInteger("jtuner.sgemm.mc", 1536) / MR * MR;
    static final int NC = Integer.getInteger("jtuner.sgemm.nc", 512) / NR * NR;
    static final boolean JR_OUTER = Boolean.getBoolean("jtuner.sgemm.jrOuter");
    /** Below this many multiply-adds per call the work stays on the calling thread. */
    static final long PARALLEL_MIN_FMAS = 1L << 17;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Sgemm() {}

    /** Per-thread packing buffers, grown on demand and reused across calls. */
    private static final class Scratch {
        float[] a = new float[0];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];
        final float[] tmp = new float[Math.max(MR, NR) * tmpStride(KC)];

        float[] a(int size) {
            if (a.length < size) a = new float[size];
            return a;
        }

        float[] b(int size) {
            if (b.length < size) b = new float[size];
            return b;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** C[b] = op(A[b]) · op(B[b]) (+ C[b] when accumulate), row-major F32, for b in [0,batch).
     *  op(A) is m×k: A is stored m×k (lda = k) or, when transA, k×m (lda = m). op(B) is k×n: B stored k×n or, when transB, n×k.
     *  Offsets and batch strides are in ELEMENTS (floats); a batch stride of 0 shares that operand across the batch. */
    public static void gemm(int batch, int m, int n, int k,
                            MemorySegment a, long aOffset, long aBatchStride, boolean transA,
                            MemorySegment b, long bOffset, long bBatchStride, boolean transB,
                            MemorySegment c, long cOffset, long cBatchStride, boolean accumulate) {
        checkArgs(batch, m, n, k, aOffset, aBatchStride, bOffset, bBatchStride, cOffset, cBatchStride);
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0) {
            if (!accumulate) {
                for (int bi = 0; bi < batch; bi++) {
                    long co = cOffset + bi * cBatchStride;
                    for (int i = 0; i < m; i++) c.asSlice((co + (long) i * n) * 4, (long) n * 4).fill((byte) 0);
                }
            }
            return;
        }
        final Op op = new Op(m, n, k, a, aOffset, aBatchStride, transA, b, bOffset, bBatchStride, transB,
                c, cOffset, cBatchStride, accumulate);
        long fmas = (long) batch * m * n * k;
        int threads = Parallel.threads();
        if (threads <= 1 || fmas < PARALLEL_MIN_FMAS || !shared(a) || !shared(b) || !shared(c)) {
            for (int bi = 0; bi < batch; bi++) op.run(bi, 0, m, 0, n);
            return;
        }
        // Work units: (batch entry, slice of one operand's dimension). Each thread gets a contiguous run of units,
        // merges neighbouring slices of the same batch entry and runs them as one blocked sub-problem.
        // Splitting n duplicates the packing of A in every thread (m·k), splitting m duplicates B's (k·n).
        int tilesM = ceil(m, MR), tilesN = ceil(n, NR);
        boolean splitN = m <= n ? tilesN >= 2 * threads || tilesN >= tilesM : tilesM < 2 * threads && tilesN > tilesM;
        int tiles = splitN ? tilesN : tilesM;
        int parts = batch % threads == 0 ? 1 : Math.min(tiles, threads);
        int units = batch * parts;
        Parallel.forRange(units, 1, (from, to) -> {
            int u = from;
            while (u < to) {
                int bi = u / parts, s0 = u % parts;
                int uEnd = Math.min(to, (bi + 1) * parts);
                int s1 = s0 + (uEnd - u);
                int t0 = (int) ((long) tiles * s0 / parts), t1 = (int) ((long) tiles * s1 / parts);
                if (splitN) op.run(bi, 0, m, t0 * NR, Math.min(n, t1 * NR));
                else op.run(bi, t0 * MR, Math.min(m, t1 * MR), 0, n);
                u = uEnd;
            }
        });
    }

    /** A thread that is never started: segments it may access are usable from the pool's workers. */
    private static final Thread ANY_OTHER_THREAD = Thread.ofPlatform().unstarted(() -> {});

    /** Whether a segment can be read from other threads (a confined arena's cannot: such calls stay sequential). */
    private static boolean shared(MemorySegment s) {
        return s.isAccessibleBy(ANY_OTHER_THREAD);
    }

    private static int ceil(int x, int d) {
        return (x + d - 1) / d;
    }

    private static void checkArgs(int batch, int m, int n, int k, long aOffset, long aBatchStride, long bOffset,
                                  long bBatchStride, long cOffset, long cBatchStride) {
        if (batch < 0 || m < 0 || n < 0 || k < 0)
            throw new IllegalArgumentException("negative size: batch=" + batch + " m=" + m + " n=" + n + " k=" + k);
        if (aOffset < 0 || bOffset < 0 || cOffset < 0 || aBatchStride < 0 || bBatchStride < 0 || cBatchStride < 0)
            throw new IllegalArgumentException("negative offset or batch stride");
    }

    /** One GEMM problem (all batch entries); {@link #run} computes a rectangle of one entry's C on this thread. */
    private record Op(int m, int n, int k,
                      MemorySegment a, long aOffset, long aBatchStride, boolean transA,
                      MemorySegment b, long bOffset, long bBatchStride, boolean transB,
                      MemorySegment c, long cOffset, long cBatchStride, boolean accumulate) {

        void run(int bi, int i0, int i1, int j0, int j1) {
            if (i0 >= i1 || j0 >= j1) return;
            Scratch s = SCRATCH.get();
            long aBase = aOffset + bi * aBatchStride, bBase = bOffset + bi * bBatchStride;
            long cBase = cOffset + bi * cBatchStride;
            // Block sizes: as large as allowed, split evenly (k = 257 gives two blocks of 129, not 256 + 1).
            int kc0 = block(k, KC, 1), mc0 = block(i1 - i0, MC, MR), nc0 = block(j1 - j0, NC, NR);
            float[] ap = s.a(kc0 * ceil(mc0, MR) * MR + VL);
            float[] bp = s.b(kc0 * ceil(nc0, NR) * NR);
            // Loop order: k slice → row block (pack A once) → column block (pack B once) → micro-tiles.
            // Each element of A and B is packed exactly once per call when the row block covers all rows.
            for (int pc = 0; pc < k; pc += kc0) {
                int kc = Math.min(kc0, k - pc);
                boolean load = accumulate || pc > 0;
                for (int ic = i0; ic < i1; ic += mc0) {
                    int mc = Math.min(mc0, i1 - ic);
                    if (transA) packAT(a, aBase, m, pc, kc, ic, mc, ap);
                    else packAN(a, aBase, k, pc, kc, ic, mc, ap, s.tmp);
                    for (int jc = j0; jc < j1; jc += nc0) {
                        int nc = Math.min(nc0, j1 - jc);
                        if (transB) packBT(b, bBase, k, pc, kc, jc, nc, bp, s.tmp);
                        else packBN(b, bBase, n, pc, kc, jc, nc, bp);
                        macro(kc, mc, nc, ap, bp, c, cBase + (long) ic * n + jc, n, load, s.tile);
                    }
                }
            }
        }
    }

    /** Splits {@code len} into the fewest blocks of at most {@code max}, evenly, rounded up to a multiple of {@code unit}. */
    private static int block(int len, int max, int unit) {
        int blocks = ceil(len, max);
        return ceil(ceil(len, blocks), unit) * unit;
    }

    /** Runs the micro-kernel over an mc×nc block of C from packed A (mc×kc) and packed B (kc×nc). */
    private static void macro(int kc, int mc, int nc, float[] ap, float[] bp, MemorySegment c, long cOff, int ldc,
                              boolean load, float[] t) {
        if (JR_OUTER) {
            for (int jr = 0; jr < nc; jr += NR) {
                int nr = Math.min(NR, nc - jr);
                for (int ir = 0; ir < mc; ir += MR) {
                    int mr = Math.min(MR, mc - ir);
                    kernel(kc, ap, ir * kc, bp, jr * kc, c, (cOff + (long) ir * ldc + jr) * 4, (long) ldc * 4, mr, nr, load, t);
                }
            }
        } else {
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = Math.min(NR, nc - jr);
                    kernel(kc, ap, ir * kc, bp, jr * kc, c, (cOff + (long) ir * ldc + jr) * 4, (long) ldc * 4, mr, nr, load, t);
                }
            }
        }
    }

    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment c, long cb, long ldcb,
                               int mr, int nr, boolean load, float[] t) {
        switch (KERNEL) {
            case 1 -> k8x2(kc, ap, ao, bp, bo, c, cb, ldcb, mr, nr, load, t);
            case 2 -> k12x2(kc, ap, ao, bp, bo, c, cb, ldcb, mr, nr, load, t);
            default -> k6x2(kc, ap, ao, bp, bo, c, cb, ldcb, mr, nr, load, t);
        }
    }

    // ---------------------------------------------------------------- packing

    /** op(B) = B stored k×n (row p contiguous): panel j holds rows pc..pc+kc of columns jc+j..jc+j+NR. */
    static void packBN(MemorySegment b, long base, int ldb, int pc, int kc, int jc, int nc, float[] bp) {
        for (int j = 0; j < nc; j += NR) {
            int nr = Math.min(NR, nc - j);
            int dst = j * kc;
            long src = (base + (long) pc * ldb + jc + j) * 4;
            long ld = (long) ldb * 4;
            if (nr == NR) {
                for (int p = 0; p < kc; p++, src += ld, dst += NR) {
                    for (int v = 0; v < NR; v += VL)
                        FloatVector.fromMemorySegment(S, b, src + v * 4L, LE).intoArray(bp, dst + v);
                }
            } else {
                for (int p = 0; p < kc; p++, src += ld, dst += NR) {
                    for (int v = 0; v < NR; v += VL) {
                        VectorMask<Float> mask = S.indexInRange(v, nr);
                        FloatVector.fromMemorySegment(S, b, src + v * 4L, LE, mask).intoArray(bp, dst + v);
                    }
                }
            }
        }
    }

    /** op(B) = Bᵀ with B stored n×k (row j contiguous along p). */
    static void packBT(MemorySegment b, long base, int ldb, int pc, int kc, int jc, int nc, float[] bp, float[] tmp) {
        for (int j = 0; j < nc; j += NR) {
            int nr = Math.min(NR, nc - j);
            transposeRows(b, (base + (long) (jc + j) * ldb + pc) * 4, (long) ldb * 4, nr, kc, bp, j * kc, NR, tmp);
        }
    }

    /** op(A) = A stored m×k (row i contiguous along p): panel i holds MR rows, p-major. */
    static void packAN(MemorySegment a, long base, int lda, int pc, int kc, int ic, int mc, float[] ap, float[] tmp) {
        for (int i = 0; i < mc; i += MR) {
            int mr = Math.min(MR, mc - i);
            transposeRows(a, (base + (long) (ic + i) * lda + pc) * 4, (long) lda * 4, mr, kc, ap, i * kc, MR, tmp);
        }
    }

    /** Row stride of the transpose buffer: kc plus a pad, so its rows don't all fall into the same cache sets. */
    private static int tmpStride(int kc) {
        return kc + 16;
    }

    /**
     * Transposes {@code rows} rows of {@code kc} floats (row r at {@code src + r*ld} bytes) into
     * {@code dst[d0 + p*w + r]}, zero-filling rows {@code rows..w-1}. Rows are first bulk-copied to {@code tmp}.
     */
    private static void transposeRows(MemorySegment seg, long src, long ld, int rows, int kc, float[] dst, int d0, int w,
                                      float[] tmp) {
        int ts = tmpStride(kc);
        for (int r = 0; r < rows; r++) MemorySegment.copy(seg, F, src + r * ld, tmp, r * ts, kc);
        if (rows == w) {
            if (w == MR) {
                for (int p = 0; p < kc; p++) {
                    int d = d0 + p * MR;
                    for (int r = 0; r < MR; r++) dst[d + r] = tmp[r * ts + p];
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int d = d0 + p * NR;
                    for (int r = 0; r < NR; r++) dst[d + r] = tmp[r * ts + p];
                }
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int d = d0 + p * w;
                for (int r = 0; r < rows; r++) dst[d + r] = tmp[r * ts + p];
                for (int r = rows; r < w; r++) dst[d + r] = 0f;
            }
        }
    }

    /** op(A) = Aᵀ with A stored k×m (row p contiguous along i). */
    static void packAT(MemorySegment a, long base, int lda, int pc, int kc, int ic, int mc, float[] ap) {
        for (int i = 0; i < mc; i += MR) {
            int mr = Math.min(MR, mc - i);
            int dst = i * kc;
            long src = (base + (long) pc * lda + ic + i) * 4;
            long ld = (long) lda * 4;
            // Each step writes whole vectors (zeros past mr): the next step overwrites the tail, and the panel
            // buffer has VL floats of slack at its end.
            if (MR <= VL) {
                VectorMask<Float> mask = S.indexInRange(0, mr);
                for (int p = 0; p < kc; p++, src += ld, dst += MR)
                    FloatVector.fromMemorySegment(S, a, src, LE, mask).intoArray(ap, dst);
            } else {
                for (int p = 0; p < kc; p++, src += ld, dst += MR)
                    for (int v = 0; v < MR; v += VL)
                        FloatVector.fromMemorySegment(S, a, src + v * 4L, LE, S.indexInRange(v, mr)).intoArray(ap, dst + v);
            }
        }
    }

    // ---------------------------------------------------------------- micro-kernels

    static void k6x2(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment c, long cb, long ldcb,
                             int mr, int nr, boolean load, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * (2 * VL), ai = ao + p * 6;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        c00.intoArray(t, 0 * VL); c01.intoArray(t, 1 * VL);
        c10.intoArray(t, 2 * VL); c11.intoArray(t, 3 * VL);
        c20.intoArray(t, 4 * VL); c21.intoArray(t, 5 * VL);
        c30.intoArray(t, 6 * VL); c31.intoArray(t, 7 * VL);
        c40.intoArray(t, 8 * VL); c41.intoArray(t, 9 * VL);
        c50.intoArray(t, 10 * VL); c51.intoArray(t, 11 * VL);
        update(t, c, cb, ldcb, mr, nr, load);
    }

    static void k8x2(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment c, long cb, long ldcb,
                             int mr, int nr, boolean load, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * (2 * VL), ai = ao + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
        }
        c00.intoArray(t, 0 * VL); c01.intoArray(t, 1 * VL);
        c10.intoArray(t, 2 * VL); c11.intoArray(t, 3 * VL);
        c20.intoArray(t, 4 * VL); c21.intoArray(t, 5 * VL);
        c30.intoArray(t, 6 * VL); c31.intoArray(t, 7 * VL);
        c40.intoArray(t, 8 * VL); c41.intoArray(t, 9 * VL);
        c50.intoArray(t, 10 * VL); c51.intoArray(t, 11 * VL);
        c60.intoArray(t, 12 * VL); c61.intoArray(t, 13 * VL);
        c70.intoArray(t, 14 * VL); c71.intoArray(t, 15 * VL);
        update(t, c, cb, ldcb, mr, nr, load);
    }

    static void k12x2(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment c, long cb, long ldcb,
                              int mr, int nr, boolean load, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00,
                c80 = c00, c81 = c00, c90 = c00, c91 = c00, ca0 = c00, ca1 = c00, cb0 = c00, cb1 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * (2 * VL), ai = ao + p * 12;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60); c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70); c71 = x.fma(b1, c71);
            x = FloatVector.broadcast(S, ap[ai + 8]);
            c80 = x.fma(b0, c80); c81 = x.fma(b1, c81);
            x = FloatVector.broadcast(S, ap[ai + 9]);
            c90 = x.fma(b0, c90); c91 = x.fma(b1, c91);
            x = FloatVector.broadcast(S, ap[ai + 10]);
            ca0 = x.fma(b0, ca0); ca1 = x.fma(b1, ca1);
            x = FloatVector.broadcast(S, ap[ai + 11]);
            cb0 = x.fma(b0, cb0); cb1 = x.fma(b1, cb1);
        }
        c00.intoArray(t, 0 * VL); c01.intoArray(t, 1 * VL);
        c10.intoArray(t, 2 * VL); c11.intoArray(t, 3 * VL);
        c20.intoArray(t, 4 * VL); c21.intoArray(t, 5 * VL);
        c30.intoArray(t, 6 * VL); c31.intoArray(t, 7 * VL);
        c40.intoArray(t, 8 * VL); c41.intoArray(t, 9 * VL);
        c50.intoArray(t, 10 * VL); c51.intoArray(t, 11 * VL);
        c60.intoArray(t, 12 * VL); c61.intoArray(t, 13 * VL);
        c70.intoArray(t, 14 * VL); c71.intoArray(t, 15 * VL);
        c80.intoArray(t, 16 * VL); c81.intoArray(t, 17 * VL);
        c90.intoArray(t, 18 * VL); c91.intoArray(t, 19 * VL);
        ca0.intoArray(t, 20 * VL); ca1.intoArray(t, 21 * VL);
        cb0.intoArray(t, 22 * VL); cb1.intoArray(t, 23 * VL);
        update(t, c, cb, ldcb, mr, nr, load);
    }

    /** Adds (or stores) the register tile spilled to {@code t} (MR rows of NR floats) into C's mr×nr corner. */
    private static void update(float[] t, MemorySegment c, long cb, long ldcb, int mr, int nr, boolean load) {
        if (nr == NR) {
            for (int r = 0; r < mr; r++, cb += ldcb) {
                for (int v = 0; v < NR; v += VL) {
                    FloatVector x = FloatVector.fromArray(S, t, r * NR + v);
                    long off = cb + v * 4L;
                    if (load) x = x.add(FloatVector.fromMemorySegment(S, c, off, LE));
                    x.intoMemorySegment(c, off, LE);
                }
            }
        } else {
            for (int r = 0; r < mr; r++, cb += ldcb) {
                for (int v = 0; v < nr; v += VL) {
                    VectorMask<Float> mask = S.indexInRange(v, nr);
                    FloatVector x = FloatVector.fromArray(S, t, r * NR + v);
                    long off = cb + v * 4L;
                    if (load) x = x.add(FloatVector.fromMemorySegment(S, c, off, LE, mask));
                    x.intoMemorySegment(c, off, LE, mask);
                }
            }
        }
    }

    // ---------------------------------------------------------------- reference

    /** Scalar reference with double accumulation; same contract as {@link #gemm}. For tests. */
    public static void reference(int batch, int m, int n, int k,
                                 MemorySegment a, long aOffset, long aBatchStride, boolean transA,
                                 MemorySegment b, long bOffset, long bBatchStride, boolean transB,
                                 MemorySegment c, long cOffset, long cBatchStride, boolean accumulate) {
        checkArgs(batch, m, n, k, aOffset, aBatchStride, bOffset, bBatchStride, cOffset, cBatchStride);
        for (int bi = 0; bi < batch; bi++) {
            long ao = aOffset + bi * aBatchStride, bo = bOffset + bi * bBatchStride, co = cOffset + bi * cBatchStride;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        float x = a.get(F, 4 * (ao + (transA ? (long) p * m + i : (long) i * k + p)));
                        float y = b.get(F, 4 * (bo + (transB ? (long) j * k + p : (long) p * n + j)));
                        sum += (double) x * y;
                    }
                    long at = 4 * (co + (long) i * n + j);
                    if (accumulate) sum += c.get(F, at);
                    c.set(F, at, (float) sum);
                }
            }
        }
    }
}

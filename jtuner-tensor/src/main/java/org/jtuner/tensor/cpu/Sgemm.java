package org.jtuner.tensor.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision matrix multiply on the CPU: a register-tiled Vector API micro-kernel over packed panels.
 *
 * <p>Micro-kernel: a register tile of C stays in registers while k advances. With 512-bit vectors it is 4×64 (16 zmm
 * accumulators; per step four vector loads of packed B, four broadcasts of A, sixteen FMAs), over A panels packed
 * p-major; on the 2-core EPYC (Zen 4) build machine that kernel runs at ~113 GFLOP/s per core on L2-resident panels,
 * about 98% of the measured FMA peak. With narrower vectors (AVX2: 16 registers) it is 6×(2 vectors), 12
 * accumulators.
 *
 * <p>Packing: op(B) is packed once per call into NR-wide panels, KC-deep slices of k at a time ({@code p*NR + j}
 * inside a panel), in a buffer the threads share; a transposed B is transposed here (16×16 register transposes with
 * two-vector selects). A is packed per work unit into MR-row panels: p-major ({@code p*MR + i}) when it is stored
 * k×m (MR consecutive floats of a stored row are one step) and, with the 4-row tile, also when it is stored m×k
 * (four rows transposed by zips); with the 6-row tile a stored m×k A is packed row-major (plain row copies, the
 * kernel broadcasts from six rows). A is never transposed as a whole.
 *
 * <p>Blocking: KC = 512 (an A panel, 8 or 12 KiB, stays in L1 during a sweep; C is read and written k/KC times), NC = 256
 * (the 512 KiB KC×NC block of packed B stays in L2 while a unit's A panels sweep it).
 *
 * <p>Threading (one {@link Parallel#forRange} per call): the threads first take B-packing jobs, then runs of row
 * panels of a batch entry from a shared counter, 192 rows at most and fewer as the work runs out (guided scheduling;
 * with few rows, fixed units of rows × column groups). Taking units
 * dynamically keeps both cores busy when one of them is slowed by another process (the build machines are shared).
 * Each element of C is computed by one unit in a fixed order, so results do not depend on the thread count or timing.
 *
 * <p>Thin products (at most {@link #THIN} rows or columns) skip packing and stream op(B) directly (see {@link #thin}).
 */
public final class Sgemm {
    /** Vector species: 512-bit where the hardware has it, else the preferred width. */
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512
            ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    /**
     * The register tile: 4 rows × 4 vectors with 512-bit vectors (16 accumulators of the 32 registers; a broadcast
     * of A feeds 4 FMAs), else 6 rows × 2 vectors (12 of AVX2's 16). On the build machine (Zen 4) the 4×4 kernel
     * over p-major panels ran at ~113 GFLOP/s against ~104 for the 6×2 kernel over row-major panels (L2-resident
     * panels, interleaved in one JVM). {@code -Djtuner.sgemm.tile=6x2} picks the other one (the tests run both).
     */
    static final boolean WIDE_TILE = VL >= 16 && !"6x2".equals(System.getProperty("jtuner.sgemm.tile"));
    /** Rows of the register tile (the kernels are written out for 4 and 6). */
    static final int MR = WIDE_TILE ? 4 : 6;
    /** Columns of the register tile: four vectors or two. */
    static final int NR = (WIDE_TILE ? 4 : 2) * VL;
    /** The vectors of the p-major packing of A: MR floats when 128 bits hold them, else whole vectors. */
    private static final VectorSpecies<Float> PANEL = MR == 4 ? FloatVector.SPECIES_128 : S;
    /** Depth of a k slice. */
    static final int KC = Integer.getInteger("jtuner.sgemm.kc", 512);
    /** Columns swept per A panel. */
    static final int NC = Integer.getInteger("jtuner.sgemm.nc", 256) / NR * NR;
    /** Most rows in one work unit. */
    static final int MU = Integer.getInteger("jtuner.sgemm.mu", 192) / MR * MR;
    /** Most floats of packed B per round (16 MiB); bigger problems pack B in column chunks. */
    static final int B_PACK_LIMIT = 1 << 22;
    /** Products with at most this many rows (or columns) skip packing: see {@link #thin}. */
    static final int THIN = Integer.getInteger("jtuner.sgemm.thin", 8);
    /** Below this many multiply-adds per call the work stays on the calling thread. */
    static final long PARALLEL_MIN_FMAS = Long.getLong("jtuner.sgemm.parallelMin", 1L << 21);

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Sgemm() {}

    /** Per-thread buffers, grown on demand and reused across calls. */
    private static final class Scratch {
        /** Packed B of the calls this thread makes (read by the pool's threads during the call). */
        float[] b = new float[0];
        /** Whether {@link #b} is in use by a call this thread made. */
        boolean bBusy;
        /** Packed A of the units this thread runs. */
        float[] a = new float[0];
        final float[] tile = new float[MR * NR];
        /** Transpose buffer of {@link #packBT}. */
        final float[] tmp = new float[NR * TS];

        float[] a(int size) {
            if (a.length < size) a = new float[size];
            return a;
        }

        float[] b(int size) {
            if (b.length < size) b = new float[Math.max(size, b.length + b.length / 2)];
            return b;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** C[b] = op(A[b]) · op(B[b]) (+ C[b] when accumulate), row-major F32, for b in [0,batch).
     *  op(A) is m×k: A is stored m×k (lda = k) or, when transA, k×m (lda = m). op(B) is k×n: B stored k×n or, when transB, n×k.
     *  Offsets and batch strides are in ELEMENTS (floats); a batch stride of 0 shares that operand across the batch.
     *  <p>Runs on {@link Parallel}'s threads when the problem is big enough and all three segments are accessible
     *  from other threads (global, auto or shared arenas); otherwise on the calling thread. C must not overlap A or B. */
    public static void gemm(int batch, int m, int n, int k,
                            MemorySegment a, long aOffset, long aBatchStride, boolean transA,
                            MemorySegment b, long bOffset, long bBatchStride, boolean transB,
                            MemorySegment c, long cOffset, long cBatchStride, boolean accumulate) {
        checkArgs(batch, m, n, k, aOffset, aBatchStride, bOffset, bBatchStride, cOffset, cBatchStride);
        if (batch == 0 || m == 0 || n == 0) return;
        checkBounds("a", a, aOffset, aBatchStride, batch, (long) m * k);
        checkBounds("b", b, bOffset, bBatchStride, batch, (long) k * n);
        checkBounds("c", c, cOffset, cBatchStride, batch, (long) m * n);
        if (k == 0) {
            if (!accumulate) {
                for (int bi = 0; bi < batch; bi++)
                    c.asSlice((cOffset + bi * cBatchStride) * 4, (long) m * n * 4).fill((byte) 0);
            }
            return;
        }
        long fmas = (long) batch * m * n * k;
        boolean parallel = Parallel.threads() > 1 && fmas >= PARALLEL_MIN_FMAS && shared(a) && shared(b) && shared(c);
        if (m <= THIN) {
            thin(batch, m, n, k, a, aOffset, aBatchStride, transA, b, bOffset, bBatchStride, transB,
                    c, cOffset, cBatchStride, n, 1, accumulate, parallel);
            return;
        }
        if (n <= THIN) {
            // Cᵀ = op(B)ᵀ·op(A)ᵀ: the same thin product with the operands' roles (and transposes) swapped.
            thin(batch, n, m, k, b, bOffset, bBatchStride, !transB, a, aOffset, aBatchStride, !transA,
                    c, cOffset, cBatchStride, 1, n, accumulate, parallel);
            return;
        }
        Call call = new Call(m, n, k, a, aOffset, aBatchStride, transA, b, bOffset, bBatchStride, transB,
                c, cOffset, cBatchStride, accumulate, parallel ? Parallel.threads() : 1);
        boolean bShared = bBatchStride == 0;
        long bPerEntry = (long) k * ceil(n, NR) * NR;
        if (bPerEntry > B_PACK_LIMIT) {
            // Huge op(B): rounds over column chunks of one batch entry at a time.
            int chunk = (int) Math.max(NR, (long) B_PACK_LIMIT / k / NR * NR);
            for (int bi = 0; bi < batch; bi++)
                for (int j0 = 0; j0 < n; j0 += chunk) call.round(bi, bi + 1, j0, Math.min(n, j0 + chunk), false);
        } else {
            int per = bShared ? batch : (int) Math.max(1, B_PACK_LIMIT / bPerEntry);
            for (int b0 = 0; b0 < batch; b0 += per) call.round(b0, Math.min(batch, b0 + per), 0, n, bShared);
        }
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

    /** Checks that every batch entry of an operand ({@code size} floats) lies inside its segment. */
    private static void checkBounds(String name, MemorySegment s, long offset, long stride, int batch, long size) {
        long end = offset + (batch - 1L) * stride + size;
        if (end > s.byteSize() / 4)
            throw new IndexOutOfBoundsException(name + " needs " + end + " floats, its segment has " + s.byteSize() / 4);
    }

    /** Splits {@code len} into the fewest blocks of at most {@code max}, evenly, rounded up to a multiple of {@code unit}. */
    private static int block(int len, int max, int unit) {
        int blocks = ceil(len, max);
        return ceil(ceil(len, blocks), unit) * unit;
    }

    /** One gemm call: its operands and the k blocking shared by every round. */
    private static final class Call {
        final int m, n, k;
        final MemorySegment a, b, c;
        final long aOffset, aBatchStride, bOffset, bBatchStride, cOffset, cBatchStride;
        final boolean transA, transB, accumulate;
        final int threads;
        /** Depth of the k slices (the last may be shorter). */
        final int kc0;

        Call(int m, int n, int k, MemorySegment a, long aOffset, long aBatchStride, boolean transA,
             MemorySegment b, long bOffset, long bBatchStride, boolean transB,
             MemorySegment c, long cOffset, long cBatchStride, boolean accumulate, int threads) {
            this.m = m; this.n = n; this.k = k;
            this.a = a; this.aOffset = aOffset; this.aBatchStride = aBatchStride; this.transA = transA;
            this.b = b; this.bOffset = bOffset; this.bBatchStride = bBatchStride; this.transB = transB;
            this.c = c; this.cOffset = cOffset; this.cBatchStride = cBatchStride; this.accumulate = accumulate;
            this.threads = threads;
            // Even slices, so that k = 257 is two slices of 129 rather than 256 + 1.
            this.kc0 = block(k, KC, 1);
        }

        /**
         * Computes batch entries [b0, b1), columns [j0, j1) of C: packs op(B) for them (once when {@code bShared}),
         * then runs the row units. One parallel section; packing and units are both handed out by counters.
         */
        void round(int b0, int b1, int j0, int j1, boolean bShared) {
            int size = (int) ((bShared ? 1 : b1 - b0) * (long) k * ceil(j1 - j0, NR) * NR);
            Scratch s = SCRATCH.get();
            if (s.bBusy) {
                // Re-entered on this thread while its packed B is in use (a thread of another fork-join pool may run
                // other tasks while it waits for ours): use a buffer of this call's own.
                round(b0, b1, j0, j1, bShared, new float[size]);
                return;
            }
            s.bBusy = true;
            try {
                round(b0, b1, j0, j1, bShared, s.b(size));
            } finally {
                s.bBusy = false;
            }
        }

        private void round(int b0, int b1, int j0, int j1, boolean bShared, float[] bp) {
            final int nb = b1 - b0, nPanels = ceil(j1 - j0, NR), mPanels = ceil(m, MR);
            final int packedEntries = bShared ? 1 : nb;
            final long entryFloats = (long) k * nPanels * NR;
            final int kBlocks = ceil(k, kc0);
            // Packing jobs: (entry, k slice, group of panels).
            final int panelsPerJob = Math.max(1, Math.min(nPanels, 4096 / kc0));
            final int jobsPerSlice = ceil(nPanels, panelsPerJob);
            final int packJobs = packedEntries * kBlocks * jobsPerSlice;
            // Work: (entry, row panels, columns). With enough rows, the threads grab runs of row panels, shrinking as
            // the work runs out (guided scheduling: both threads finish together); with few rows (e.g. m = 1 per
            // entry), fixed units of rows × column groups.
            final int totalPanels = nb * mPanels;
            final boolean guided = threads > 1 && totalPanels >= 8 * threads;
            int want = threads == 1 ? 1 : 6 * threads;
            int rowsPerUnit = Math.max(MR, Math.min(Math.min(MU, ceil(totalPanels, want) * MR), mPanels * MR));
            final int rowUnits = ceil(m, rowsPerUnit);
            final int colUnits = guided ? 1 : Math.min(nPanels, Math.max(1, ceil(want, rowUnits * nb)));
            final int rpu = rowsPerUnit, units = nb * rowUnits * colUnits;
            if (threads == 1 || (!guided && units == 1)) {
                for (int job = 0; job < packJobs; job++) pack(job, b0, j0, j1, kBlocks, jobsPerSlice, panelsPerJob, nPanels, entryFloats, bp);
                for (int u = 0; u < units; u++) unit(u, b0, j0, j1, rowUnits, colUnits, rpu, nPanels, bShared, entryFloats, bp);
                return;
            }
            final AtomicInteger nextJob = new AtomicInteger(), jobsDone = new AtomicInteger(), next = new AtomicInteger();
            final AtomicBoolean failed = new AtomicBoolean();
            final int maxGrab = MU / MR, minGrab = 4;
            Parallel.forRange(threads, 1, (from, to) -> {
                // Pack jobs go to whoever asks; a thread only waits for jobs that another running thread has taken,
                // so this cannot deadlock when the pool runs the chunks one after another.
                for (int job; (job = nextJob.getAndIncrement()) < packJobs; ) {
                    try {
                        pack(job, b0, j0, j1, kBlocks, jobsPerSlice, panelsPerJob, nPanels, entryFloats, bp);
                    } catch (RuntimeException | Error ex) {
                        failed.set(true);
                        throw ex;
                    } finally {
                        jobsDone.incrementAndGet();
                    }
                }
                for (int spins = 0; jobsDone.get() < packJobs; spins++) {
                    if (spins < 10_000) Thread.onSpinWait();
                    else Thread.yield(); // the packing thread was descheduled: let it run
                }
                if (failed.get()) return;
                if (!guided) {
                    for (int u; (u = next.getAndIncrement()) < units; )
                        unit(u, b0, j0, j1, rowUnits, colUnits, rpu, nPanels, bShared, entryFloats, bp);
                    return;
                }
                for (int cur; (cur = next.get()) < totalPanels; ) {
                    int e = cur / mPanels, first = cur % mPanels;
                    int grab = Math.min(mPanels - first, Math.clamp((totalPanels - cur) / (2 * threads), minGrab, maxGrab));
                    if (next.compareAndSet(cur, cur + grab))
                        rows(b0 + e, e, first * MR, Math.min(m, (first + grab) * MR), j0, j1, 0, nPanels, nPanels, bShared, entryFloats, bp);
                }
            });
        }

        /** Packs one job's panels of op(B): entry, k slice and panel range decoded from {@code job}. */
        private void pack(int job, int b0, int j0, int j1, int kBlocks, int jobsPerSlice, int panelsPerJob, int nPanels,
                          long entryFloats, float[] bp) {
            int jg = job % jobsPerSlice, rest = job / jobsPerSlice;
            int kb = rest % kBlocks, e = rest / kBlocks;
            int pc = kb * kc0, kc = Math.min(kc0, k - pc);
            long src = bOffset + (b0 + e) * bBatchStride;
            Scratch s = SCRATCH.get();
            int p0 = jg * panelsPerJob, p1 = Math.min(nPanels, p0 + panelsPerJob);
            for (int jp = p0; jp < p1; jp++) {
                int j = j0 + jp * NR, nr = Math.min(NR, j1 - j);
                int dst = (int) (e * entryFloats + (long) pc * nPanels * NR + (long) jp * kc * NR);
                if (transB) packBT(b, (src + (long) j * k + pc) * 4, (long) k * 4, nr, kc, bp, dst, s.tmp);
                else packB(b, (src + (long) pc * n + j) * 4, (long) n * 4, nr, kc, bp, dst);
            }
        }

        /** Runs one fixed work unit: rows × columns of one batch entry. */
        private void unit(int u, int b0, int j0, int j1, int rowUnits, int colUnits, int rowsPerUnit, int nPanels,
                          boolean bShared, long entryFloats, float[] bp) {
            int cu = u % colUnits, rest = u / colUnits;
            int ru = rest % rowUnits, e = rest / rowUnits;
            int i0 = ru * rowsPerUnit, i1 = Math.min(m, i0 + rowsPerUnit);
            int jp0 = (int) ((long) nPanels * cu / colUnits), jp1 = (int) ((long) nPanels * (cu + 1) / colUnits);
            if (i0 < i1 && jp0 < jp1) rows(b0 + e, e, i0, i1, j0, j1, jp0, jp1, nPanels, bShared, entryFloats, bp);
        }

        /**
         * Rows [i0, i1) of batch entry {@code bi} (packed-B entry {@code e}), column panels [jp0, jp1) of the round's
         * columns [j0, j1), all of k: packs the rows of A one k slice at a time and sweeps them against packed B.
         */
        private void rows(int bi, int e, int i0, int i1, int j0, int j1, int jp0, int jp1, int nPanels, boolean bShared,
                          long entryFloats, float[] bp) {
            long aBase = aOffset + bi * aBatchStride, cBase = cOffset + bi * cBatchStride;
            long bpEntry = bShared ? 0 : e * entryFloats;
            Scratch s = SCRATCH.get();
            int rows = i1 - i0, rowPanels = ceil(rows, MR);
            // Panels of A are MR×kc, row-major when A is stored m×k (a bulk copy of each row, read in place by the
            // kernel) or p-major when it is stored k×m (then MR consecutive floats of a stored row are one step).
            // The VL floats between panels absorb the whole-vector stores of the p-major packing.
            int panelStride = MR * kc0 + VL, pl = PANEL.length();
            float[] ap = s.a(rowPanels * panelStride);
            float[] t = s.tile;
            int ncp = NC / NR;
            for (int pc = 0; pc < k; pc += kc0) {
                int kc = Math.min(kc0, k - pc);
                boolean load = accumulate || pc > 0;
                if (transA) {
                    // One vector per panel and step: its tail reads the next panel's rows (overwritten next step,
                    // or landing in the gap after the panel); reads that would pass the unit's last row are masked.
                    int full = Math.min(rowPanels, rows >= pl ? (rows - pl) / MR + 1 : 0);
                    for (int p = 0; p < kc; p++) {
                        long src = (aBase + (long) (pc + p) * m + i0) * 4;
                        int ip = 0, d = p * MR;
                        for (; ip < full; ip++, d += panelStride)
                            FloatVector.fromMemorySegment(PANEL, a, src + ip * (MR * 4L), LE).intoArray(ap, d);
                        for (; ip < rowPanels; ip++, d += panelStride)
                            FloatVector.fromMemorySegment(PANEL, a, src + ip * (MR * 4L), LE, PANEL.indexInRange(0, rows - ip * MR))
                                    .intoArray(ap, d);
                    }
                } else if (WIDE_TILE) {
                    // p-major as well (the kernel broadcasts from one stream, ~7% faster than from four rows):
                    // each panel's four rows transposed 16 steps of k at a time.
                    for (int ip = 0; ip < rowPanels; ip++)
                        packRowsPMajor(a, (aBase + (long) (i0 + ip * MR) * k + pc) * 4, k * 4L, Math.min(MR, rows - ip * MR),
                                kc, ap, ip * panelStride);
                } else {
                    // Rows past the end of the last panel keep stale values: their results are never stored.
                    for (int r = 0; r < rows; r++)
                        MemorySegment.copy(a, F, (aBase + (long) (i0 + r) * k + pc) * 4, ap, (r / MR) * panelStride + (r % MR) * kc, kc);
                }
                int bBlock = (int) (bpEntry + (long) pc * nPanels * NR);
                for (int jc = jp0; jc < jp1; jc += ncp) {
                    int jcEnd = Math.min(jp1, jc + ncp);
                    for (int ip = 0; ip < rowPanels; ip++) {
                        int i = i0 + ip * MR, mr = Math.min(MR, i1 - i);
                        long cRow = (cBase + (long) i * n) * 4;
                        for (int jp = jc; jp < jcEnd; jp++) {
                            int j = j0 + jp * NR, nr = Math.min(NR, j1 - j);
                            int ao = ip * panelStride, bo = bBlock + jp * kc * NR;
                            long co = cRow + j * 4L;
                            if (WIDE_TILE) kernel4PMajor(kc, ap, ao, bp, bo, c, co, n * 4L, mr, nr, load, t);
                            else if (transA) kernelPMajor(kc, ap, ao, bp, bo, c, co, n * 4L, mr, nr, load, t);
                            else kernelRowMajor(kc, ap, ao, bp, bo, c, co, n * 4L, mr, nr, load, t);
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- thin products

    /**
     * C = op(A)·op(B) (+ C) for few rows (m ≤ THIN), without packing B: element (i, j) of C[b] is at
     * {@code cOffset + b*cBatchStride + i*csI + j*csJ}, so that a product with few columns runs here as its
     * transpose. The rows of op(A) are copied to an array; then, 4 rows at a time, either op(B)'s rows are streamed
     * (B as stored: vectors along j) or its columns are (Bᵀ: dot products along k, lanes summed in a fixed order).
     */
    private static void thin(int batch, int m, int n, int k,
                             MemorySegment a, long aOffset, long aBatchStride, boolean transA,
                             MemorySegment b, long bOffset, long bBatchStride, boolean transB,
                             MemorySegment c, long cOffset, long cBatchStride, long csI, long csJ,
                             boolean accumulate, boolean parallel) {
        // Units: (batch entry, column chunk); chunks are whole vectors of columns when B is streamed by rows.
        int unitCols = transB ? 1 : VL;
        int colUnits = ceil(n, unitCols);
        int chunks = parallel ? Math.max(1, Math.min(colUnits, ceil(2 * Parallel.threads(), batch))) : 1;
        int units = batch * chunks;
        Parallel.RangeBody body = (from, to) -> {
            Scratch s = SCRATCH.get();
            float[] rows = s.a(m * k);
            int lastEntry = -1;
            for (int u = from; u < to; u++) {
                int bi = u / chunks, ch = u % chunks;
                int j0 = Math.min(n, (int) ((long) colUnits * ch / chunks) * unitCols);
                int j1 = Math.min(n, (int) ((long) colUnits * (ch + 1) / chunks) * unitCols);
                long aBase = aOffset + bi * aBatchStride;
                if (bi != lastEntry) {
                    for (int i = 0; i < m; i++) {
                        if (!transA) MemorySegment.copy(a, F, (aBase + (long) i * k) * 4, rows, i * k, k);
                        else for (int p = 0; p < k; p++) rows[i * k + p] = a.get(F, (aBase + (long) p * m + i) * 4);
                    }
                    lastEntry = bi;
                }
                long bBase = bOffset + bi * bBatchStride, cBase = cOffset + bi * cBatchStride;
                for (int i0 = 0; i0 < m; i0 += 4) {
                    int nr = Math.min(4, m - i0);
                    if (transB) thinDots(k, rows, i0, nr, b, bBase, c, cBase, csI, csJ, j0, j1, accumulate, s.tile);
                    else thinRows(n, k, rows, i0, nr, b, bBase, c, cBase, csI, csJ, j0, j1, accumulate, s.tile);
                }
            }
        };
        if (units > 1 && parallel) Parallel.forRange(units, 1, body);
        else body.run(0, units);
    }

    /** Rows i0..i0+nr (nr ≤ 4) of a thin product, columns [j0, j1), B stored k×n: vectors of 4 rows along j. */
    private static void thinRows(int n, int k, float[] rows, int i0, int nr, MemorySegment b, long bBase,
                                 MemorySegment c, long cBase, long csI, long csJ, int j0, int j1, boolean accumulate,
                                 float[] t) {
        // Missing rows repeat the first one; their results are dropped.
        int r0 = i0 * k, r1 = (nr > 1 ? i0 + 1 : i0) * k, r2 = (nr > 2 ? i0 + 2 : i0) * k, r3 = (nr > 3 ? i0 + 3 : i0) * k;
        long ldb = (long) n * 4;
        for (int j = j0; j < j1; j += VL) {
            VectorMask<Float> mask = S.indexInRange(j, j1);
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            long src = (bBase + j) * 4;
            if (j + VL <= j1) {
                for (int p = 0; p < k; p++, src += ldb) {
                    FloatVector bv = FloatVector.fromMemorySegment(S, b, src, LE);
                    acc0 = FloatVector.broadcast(S, rows[r0 + p]).fma(bv, acc0);
                    acc1 = FloatVector.broadcast(S, rows[r1 + p]).fma(bv, acc1);
                    acc2 = FloatVector.broadcast(S, rows[r2 + p]).fma(bv, acc2);
                    acc3 = FloatVector.broadcast(S, rows[r3 + p]).fma(bv, acc3);
                }
            } else {
                for (int p = 0; p < k; p++, src += ldb) {
                    FloatVector bv = FloatVector.fromMemorySegment(S, b, src, LE, mask);
                    acc0 = FloatVector.broadcast(S, rows[r0 + p]).fma(bv, acc0);
                    acc1 = FloatVector.broadcast(S, rows[r1 + p]).fma(bv, acc1);
                    acc2 = FloatVector.broadcast(S, rows[r2 + p]).fma(bv, acc2);
                    acc3 = FloatVector.broadcast(S, rows[r3 + p]).fma(bv, acc3);
                }
            }
            acc0.intoArray(t, 0); acc1.intoArray(t, VL); acc2.intoArray(t, 2 * VL); acc3.intoArray(t, 3 * VL);
            int cols = Math.min(VL, j1 - j);
            for (int r = 0; r < nr; r++) {
                long at = (cBase + (i0 + r) * csI + j * csJ) * 4;
                if (csJ == 1) {
                    FloatVector v = FloatVector.fromArray(S, t, r * VL);
                    if (accumulate) v = v.add(FloatVector.fromMemorySegment(S, c, at, LE, mask));
                    v.intoMemorySegment(c, at, LE, mask);
                } else {
                    for (int jj = 0; jj < cols; jj++, at += csJ * 4) {
                        float v = t[r * VL + jj];
                        c.set(F, at, accumulate ? v + c.get(F, at) : v);
                    }
                }
            }
        }
    }

    /** Rows i0..i0+nr (nr ≤ 4) of a thin product, columns [j0, j1), B stored n×k: dot products along k. */
    private static void thinDots(int k, float[] rows, int i0, int nr, MemorySegment b, long bBase,
                                 MemorySegment c, long cBase, long csI, long csJ, int j0, int j1, boolean accumulate,
                                 float[] t) {
        int r0 = i0 * k, r1 = (nr > 1 ? i0 + 1 : i0) * k, r2 = (nr > 2 ? i0 + 2 : i0) * k, r3 = (nr > 3 ? i0 + 3 : i0) * k;
        int kv = k / VL * VL;
        for (int j = j0; j < j1; j++) {
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            long src = (bBase + (long) j * k) * 4;
            int p = 0;
            for (; p < kv; p += VL) {
                FloatVector bv = FloatVector.fromMemorySegment(S, b, src + p * 4L, LE);
                acc0 = FloatVector.fromArray(S, rows, r0 + p).fma(bv, acc0);
                acc1 = FloatVector.fromArray(S, rows, r1 + p).fma(bv, acc1);
                acc2 = FloatVector.fromArray(S, rows, r2 + p).fma(bv, acc2);
                acc3 = FloatVector.fromArray(S, rows, r3 + p).fma(bv, acc3);
            }
            if (p < k) {
                VectorMask<Float> mask = S.indexInRange(p, k);
                FloatVector bv = FloatVector.fromMemorySegment(S, b, src + p * 4L, LE, mask);
                acc0 = FloatVector.fromArray(S, rows, r0 + p, mask).fma(bv, acc0);
                acc1 = FloatVector.fromArray(S, rows, r1 + p, mask).fma(bv, acc1);
                acc2 = FloatVector.fromArray(S, rows, r2 + p, mask).fma(bv, acc2);
                acc3 = FloatVector.fromArray(S, rows, r3 + p, mask).fma(bv, acc3);
            }
            acc0.intoArray(t, 0); acc1.intoArray(t, VL); acc2.intoArray(t, 2 * VL); acc3.intoArray(t, 3 * VL);
            for (int r = 0; r < nr; r++) {
                // Lanes summed in a fixed order: the result must not depend on how the JIT reduces a vector.
                float sum = 0;
                for (int l = 0; l < VL; l++) sum += t[r * VL + l];
                long at = (cBase + (i0 + r) * csI + j * csJ) * 4;
                c.set(F, at, accumulate ? sum + c.get(F, at) : sum);
            }
        }
    }

    // ---------------------------------------------------------------- packing of B

    /**
     * Packs op(B) = B as stored (k×n, row p contiguous): {@code kc} rows of {@code cols ≤ NR} floats (row p at
     * {@code src + p*ld} bytes) to {@code dst[d0 + p*NR + j]}, zero-filling columns {@code cols..NR-1}.
     */
    static void packB(MemorySegment seg, long src, long ld, int cols, int kc, float[] dst, int d0) {
        if (cols == NR) {
            for (int p = 0, d = d0; p < kc; p++, src += ld, d += NR)
                for (int v = 0; v < NR; v += VL) FloatVector.fromMemorySegment(S, seg, src + v * 4L, LE).intoArray(dst, d + v);
        } else {
            for (int p = 0, d = d0; p < kc; p++, src += ld, d += NR)
                for (int v = 0; v < NR; v += VL)
                    FloatVector.fromMemorySegment(S, seg, src + v * 4L, LE, S.indexInRange(v, cols)).intoArray(dst, d + v);
        }
    }

    /** Row stride of the transpose buffer: a pad after KC floats keeps its rows out of each other's cache sets. */
    static final int TS = KC + 16;
    /** Gather indices of one packed row of Bᵀ in the transpose buffer: column j of the panel is buffer row j. */
    private static final int[] GATHER = new int[NR];

    static {
        for (int j = 0; j < NR; j++) GATHER[j] = j * TS;
    }

    /**
     * Packs op(B) = Bᵀ with B stored n×k (row j contiguous along p): {@code rows ≤ NR} rows of {@code kc ≤ KC} floats
     * (row j at {@code src + j*ld} bytes) to {@code dst[d0 + p*NR + j]}, zero-filling columns {@code rows..NR-1}.
     * Full panels with 512-bit vectors go through 16×16 register transposes; others are bulk-copied to {@code tmp}
     * (NR rows of TS floats) and each packed row gathered from it.
     */
    static void packBT(MemorySegment seg, long src, long ld, int rows, int kc, float[] dst, int d0, float[] tmp) {
        if (VL == 16 && rows == NR) {
            int kv = kc & ~15;
            for (int h = 0; h < NR; h += 16)
                for (int p = 0; p < kv; p += 16) transpose16(seg, src + h * ld + p * 4L, ld, dst, d0 + p * NR + h, NR);
            for (int j = 0; j < NR && kv < kc; j++)
                for (int p = kv; p < kc; p++) dst[d0 + p * NR + j] = seg.get(F, src + j * ld + p * 4L);
            return;
        }
        for (int r = 0; r < rows; r++) MemorySegment.copy(seg, F, src + r * ld, tmp, r * TS, kc);
        for (int r = rows; r < NR; r++) java.util.Arrays.fill(tmp, r * TS, r * TS + kc, 0f);
        for (int p = 0, d = d0; p < kc; p++, d += NR)
            for (int v = 0; v < NR; v += VL) FloatVector.fromArray(S, tmp, p, GATHER, v).intoArray(dst, d + v);
    }

    /** Index vectors of the 16×16 transpose's four stages: lanes of a pair of rows, swapping blocks of 8, 4, 2, 1. */
    private static final FloatVector T_LO0 = transposeIndex(8, false), T_HI0 = transposeIndex(8, true),
            T_LO1 = transposeIndex(4, false), T_HI1 = transposeIndex(4, true),
            T_LO2 = transposeIndex(2, false), T_HI2 = transposeIndex(2, true),
            T_LO3 = transposeIndex(1, false), T_HI3 = transposeIndex(1, true);

    private static FloatVector transposeIndex(int block, boolean high) {
        float[] index = new float[VL];
        for (int l = 0; l < VL; l++) {
            boolean first = (l & block) == 0;
            index[l] = high ? (first ? l + block : VL + l) : (first ? l : VL + l - block);
        }
        return FloatVector.fromArray(S, index, 0);
    }

    /**
     * Transposes a 16×16 block in registers (VL = 16 only): row j of the block is 16 floats at {@code src + j*ld}
     * bytes; column q goes to {@code dst[d + q*w .. +16]}. Four stages of 16 two-vector selects (vpermt2ps).
     */
    private static void transpose16(MemorySegment seg, long src, long ld, float[] dst, int d, int w) {
        FloatVector r0 = FloatVector.fromMemorySegment(S, seg, src, LE), r1 = FloatVector.fromMemorySegment(S, seg, src + ld, LE),
                r2 = FloatVector.fromMemorySegment(S, seg, src + 2 * ld, LE), r3 = FloatVector.fromMemorySegment(S, seg, src + 3 * ld, LE),
                r4 = FloatVector.fromMemorySegment(S, seg, src + 4 * ld, LE), r5 = FloatVector.fromMemorySegment(S, seg, src + 5 * ld, LE),
                r6 = FloatVector.fromMemorySegment(S, seg, src + 6 * ld, LE), r7 = FloatVector.fromMemorySegment(S, seg, src + 7 * ld, LE),
                r8 = FloatVector.fromMemorySegment(S, seg, src + 8 * ld, LE), r9 = FloatVector.fromMemorySegment(S, seg, src + 9 * ld, LE),
                ra = FloatVector.fromMemorySegment(S, seg, src + 10 * ld, LE), rb = FloatVector.fromMemorySegment(S, seg, src + 11 * ld, LE),
                rc = FloatVector.fromMemorySegment(S, seg, src + 12 * ld, LE), rd = FloatVector.fromMemorySegment(S, seg, src + 13 * ld, LE),
                re = FloatVector.fromMemorySegment(S, seg, src + 14 * ld, LE), rf = FloatVector.fromMemorySegment(S, seg, src + 15 * ld, LE);
        FloatVector lo = T_LO0, hi = T_HI0, t0, t1;
        // Stage b (8, 4, 2, 1) swaps the off-diagonal b×b blocks of each pair of rows (i, i+b).
        t0 = lo.selectFrom(r0, r8); t1 = hi.selectFrom(r0, r8); r0 = t0; r8 = t1;
        t0 = lo.selectFrom(r1, r9); t1 = hi.selectFrom(r1, r9); r1 = t0; r9 = t1;
        t0 = lo.selectFrom(r2, ra); t1 = hi.selectFrom(r2, ra); r2 = t0; ra = t1;
        t0 = lo.selectFrom(r3, rb); t1 = hi.selectFrom(r3, rb); r3 = t0; rb = t1;
        t0 = lo.selectFrom(r4, rc); t1 = hi.selectFrom(r4, rc); r4 = t0; rc = t1;
        t0 = lo.selectFrom(r5, rd); t1 = hi.selectFrom(r5, rd); r5 = t0; rd = t1;
        t0 = lo.selectFrom(r6, re); t1 = hi.selectFrom(r6, re); r6 = t0; re = t1;
        t0 = lo.selectFrom(r7, rf); t1 = hi.selectFrom(r7, rf); r7 = t0; rf = t1;
        lo = T_LO1; hi = T_HI1;
        t0 = lo.selectFrom(r0, r4); t1 = hi.selectFrom(r0, r4); r0 = t0; r4 = t1;
        t0 = lo.selectFrom(r1, r5); t1 = hi.selectFrom(r1, r5); r1 = t0; r5 = t1;
        t0 = lo.selectFrom(r2, r6); t1 = hi.selectFrom(r2, r6); r2 = t0; r6 = t1;
        t0 = lo.selectFrom(r3, r7); t1 = hi.selectFrom(r3, r7); r3 = t0; r7 = t1;
        t0 = lo.selectFrom(r8, rc); t1 = hi.selectFrom(r8, rc); r8 = t0; rc = t1;
        t0 = lo.selectFrom(r9, rd); t1 = hi.selectFrom(r9, rd); r9 = t0; rd = t1;
        t0 = lo.selectFrom(ra, re); t1 = hi.selectFrom(ra, re); ra = t0; re = t1;
        t0 = lo.selectFrom(rb, rf); t1 = hi.selectFrom(rb, rf); rb = t0; rf = t1;
        lo = T_LO2; hi = T_HI2;
        t0 = lo.selectFrom(r0, r2); t1 = hi.selectFrom(r0, r2); r0 = t0; r2 = t1;
        t0 = lo.selectFrom(r1, r3); t1 = hi.selectFrom(r1, r3); r1 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r6); t1 = hi.selectFrom(r4, r6); r4 = t0; r6 = t1;
        t0 = lo.selectFrom(r5, r7); t1 = hi.selectFrom(r5, r7); r5 = t0; r7 = t1;
        t0 = lo.selectFrom(r8, ra); t1 = hi.selectFrom(r8, ra); r8 = t0; ra = t1;
        t0 = lo.selectFrom(r9, rb); t1 = hi.selectFrom(r9, rb); r9 = t0; rb = t1;
        t0 = lo.selectFrom(rc, re); t1 = hi.selectFrom(rc, re); rc = t0; re = t1;
        t0 = lo.selectFrom(rd, rf); t1 = hi.selectFrom(rd, rf); rd = t0; rf = t1;
        lo = T_LO3; hi = T_HI3;
        t0 = lo.selectFrom(r0, r1); t1 = hi.selectFrom(r0, r1); r0 = t0; r1 = t1;
        t0 = lo.selectFrom(r2, r3); t1 = hi.selectFrom(r2, r3); r2 = t0; r3 = t1;
        t0 = lo.selectFrom(r4, r5); t1 = hi.selectFrom(r4, r5); r4 = t0; r5 = t1;
        t0 = lo.selectFrom(r6, r7); t1 = hi.selectFrom(r6, r7); r6 = t0; r7 = t1;
        t0 = lo.selectFrom(r8, r9); t1 = hi.selectFrom(r8, r9); r8 = t0; r9 = t1;
        t0 = lo.selectFrom(ra, rb); t1 = hi.selectFrom(ra, rb); ra = t0; rb = t1;
        t0 = lo.selectFrom(rc, rd); t1 = hi.selectFrom(rc, rd); rc = t0; rd = t1;
        t0 = lo.selectFrom(re, rf); t1 = hi.selectFrom(re, rf); re = t0; rf = t1;
        r0.intoArray(dst, d); r1.intoArray(dst, d + w); r2.intoArray(dst, d + 2 * w); r3.intoArray(dst, d + 3 * w);
        r4.intoArray(dst, d + 4 * w); r5.intoArray(dst, d + 5 * w); r6.intoArray(dst, d + 6 * w); r7.intoArray(dst, d + 7 * w);
        r8.intoArray(dst, d + 8 * w); r9.intoArray(dst, d + 9 * w); ra.intoArray(dst, d + 10 * w); rb.intoArray(dst, d + 11 * w);
        rc.intoArray(dst, d + 12 * w); rd.intoArray(dst, d + 13 * w); re.intoArray(dst, d + 14 * w); rf.intoArray(dst, d + 15 * w);
    }

    /** Index vectors of a two-vector zip: lanes 0, 1, 2... of the result are a[0], b[0], a[1], b[1]... (LO) or the
     *  same from the upper halves (HI). */
    private static final FloatVector ZIP_LO = zipIndex(false), ZIP_HI = zipIndex(true);

    private static FloatVector zipIndex(boolean high) {
        float[] index = new float[VL];
        for (int l = 0; l < VL; l++) index[l] = (l % 2 == 0 ? 0 : VL) + l / 2 + (high ? VL / 2 : 0);
        return FloatVector.fromArray(S, index, 0);
    }

    /**
     * Packs {@code rows ≤ 4} rows of a row-major A (row r: {@code kc} floats at {@code src + r*ld} bytes) into a
     * p-major panel {@code ap[d + p*4 + r]} (WIDE_TILE only: 4 rows, 16-lane vectors): four rows of 16 steps become
     * 64 packed floats by two rounds of zips. Rows past {@code rows} are packed as zeros (their results are never
     * stored).
     */
    static void packRowsPMajor(MemorySegment a, long src, long ld, int rows, int kc, float[] ap, int d) {
        FloatVector zero = FloatVector.zero(S);
        int kv = kc & ~(VL - 1);
        for (int p = 0; p < kv; p += VL) {
            long at = src + p * 4L;
            FloatVector r0 = FloatVector.fromMemorySegment(S, a, at, LE);
            FloatVector r1 = rows > 1 ? FloatVector.fromMemorySegment(S, a, at + ld, LE) : zero;
            FloatVector r2 = rows > 2 ? FloatVector.fromMemorySegment(S, a, at + 2 * ld, LE) : zero;
            FloatVector r3 = rows > 3 ? FloatVector.fromMemorySegment(S, a, at + 3 * ld, LE) : zero;
            // [r0 r2] and [r1 r3] zipped, then those zipped: lanes r0[p] r1[p] r2[p] r3[p] r0[p+1] ...
            FloatVector t0 = ZIP_LO.selectFrom(r0, r2), t1 = ZIP_HI.selectFrom(r0, r2);
            FloatVector t2 = ZIP_LO.selectFrom(r1, r3), t3 = ZIP_HI.selectFrom(r1, r3);
            int o = d + p * 4;
            ZIP_LO.selectFrom(t0, t2).intoArray(ap, o);
            ZIP_HI.selectFrom(t0, t2).intoArray(ap, o + VL);
            ZIP_LO.selectFrom(t1, t3).intoArray(ap, o + 2 * VL);
            ZIP_HI.selectFrom(t1, t3).intoArray(ap, o + 3 * VL);
        }
        for (int p = kv; p < kc; p++)
            for (int r = 0; r < 4; r++) ap[d + p * 4 + r] = r < rows ? a.get(F, src + r * ld + p * 4L) : 0f;
    }

    // ---------------------------------------------------------------- micro-kernels

    /**
     * The 6×(2·VL) register tile over a p-major A panel ({@code ap[ao + p*6 + r]}) and a B panel
     * ({@code bp[bo + p*NR + j]}): 12 accumulators, 2 vector loads and 6 broadcasts per step of k.
     */
    static void kernelPMajor(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment c, long cb, long ldcb,
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
        if (mr == MR && nr == NR) {
            // Full tile: straight from the registers (written out: vectors passed to a method get boxed).
            long o0 = cb, o1 = cb + ldcb, o2 = o1 + ldcb, o3 = o2 + ldcb, o4 = o3 + ldcb, o5 = o4 + ldcb, h = VL * 4L;
            if (load) {
                c00 = c00.add(FloatVector.fromMemorySegment(S, c, o0, LE)); c01 = c01.add(FloatVector.fromMemorySegment(S, c, o0 + h, LE));
                c10 = c10.add(FloatVector.fromMemorySegment(S, c, o1, LE)); c11 = c11.add(FloatVector.fromMemorySegment(S, c, o1 + h, LE));
                c20 = c20.add(FloatVector.fromMemorySegment(S, c, o2, LE)); c21 = c21.add(FloatVector.fromMemorySegment(S, c, o2 + h, LE));
                c30 = c30.add(FloatVector.fromMemorySegment(S, c, o3, LE)); c31 = c31.add(FloatVector.fromMemorySegment(S, c, o3 + h, LE));
                c40 = c40.add(FloatVector.fromMemorySegment(S, c, o4, LE)); c41 = c41.add(FloatVector.fromMemorySegment(S, c, o4 + h, LE));
                c50 = c50.add(FloatVector.fromMemorySegment(S, c, o5, LE)); c51 = c51.add(FloatVector.fromMemorySegment(S, c, o5 + h, LE));
            }
            c00.intoMemorySegment(c, o0, LE); c01.intoMemorySegment(c, o0 + h, LE);
            c10.intoMemorySegment(c, o1, LE); c11.intoMemorySegment(c, o1 + h, LE);
            c20.intoMemorySegment(c, o2, LE); c21.intoMemorySegment(c, o2 + h, LE);
            c30.intoMemorySegment(c, o3, LE); c31.intoMemorySegment(c, o3 + h, LE);
            c40.intoMemorySegment(c, o4, LE); c41.intoMemorySegment(c, o4 + h, LE);
            c50.intoMemorySegment(c, o5, LE); c51.intoMemorySegment(c, o5 + h, LE);
            return;
        }
        c00.intoArray(t, 0 * VL); c01.intoArray(t, 1 * VL);
        c10.intoArray(t, 2 * VL); c11.intoArray(t, 3 * VL);
        c20.intoArray(t, 4 * VL); c21.intoArray(t, 5 * VL);
        c30.intoArray(t, 6 * VL); c31.intoArray(t, 7 * VL);
        c40.intoArray(t, 8 * VL); c41.intoArray(t, 9 * VL);
        c50.intoArray(t, 10 * VL); c51.intoArray(t, 11 * VL);
        update(t, c, cb, ldcb, mr, nr, load);
    }

    /** As {@link #kernelPMajor} over a row-major A panel ({@code ap[ao + r*kc + p]}). */
    static void kernelRowMajor(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment c, long cb, long ldcb,
                             int mr, int nr, boolean load, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
                c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a0 = ao, a1 = ao + kc, a2 = ao + 2 * kc, a3 = ao + 3 * kc, a4 = ao + 4 * kc, a5 = ao + 5 * kc;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * (2 * VL);
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector x = FloatVector.broadcast(S, ap[a0 + p]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[a1 + p]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[a2 + p]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[a3 + p]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[a4 + p]);
            c40 = x.fma(b0, c40); c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[a5 + p]);
            c50 = x.fma(b0, c50); c51 = x.fma(b1, c51);
        }
        if (mr == MR && nr == NR) {
            // Full tile: straight from the registers (written out: vectors passed to a method get boxed).
            long o0 = cb, o1 = cb + ldcb, o2 = o1 + ldcb, o3 = o2 + ldcb, o4 = o3 + ldcb, o5 = o4 + ldcb, h = VL * 4L;
            if (load) {
                c00 = c00.add(FloatVector.fromMemorySegment(S, c, o0, LE)); c01 = c01.add(FloatVector.fromMemorySegment(S, c, o0 + h, LE));
                c10 = c10.add(FloatVector.fromMemorySegment(S, c, o1, LE)); c11 = c11.add(FloatVector.fromMemorySegment(S, c, o1 + h, LE));
                c20 = c20.add(FloatVector.fromMemorySegment(S, c, o2, LE)); c21 = c21.add(FloatVector.fromMemorySegment(S, c, o2 + h, LE));
                c30 = c30.add(FloatVector.fromMemorySegment(S, c, o3, LE)); c31 = c31.add(FloatVector.fromMemorySegment(S, c, o3 + h, LE));
                c40 = c40.add(FloatVector.fromMemorySegment(S, c, o4, LE)); c41 = c41.add(FloatVector.fromMemorySegment(S, c, o4 + h, LE));
                c50 = c50.add(FloatVector.fromMemorySegment(S, c, o5, LE)); c51 = c51.add(FloatVector.fromMemorySegment(S, c, o5 + h, LE));
            }
            c00.intoMemorySegment(c, o0, LE); c01.intoMemorySegment(c, o0 + h, LE);
            c10.intoMemorySegment(c, o1, LE); c11.intoMemorySegment(c, o1 + h, LE);
            c20.intoMemorySegment(c, o2, LE); c21.intoMemorySegment(c, o2 + h, LE);
            c30.intoMemorySegment(c, o3, LE); c31.intoMemorySegment(c, o3 + h, LE);
            c40.intoMemorySegment(c, o4, LE); c41.intoMemorySegment(c, o4 + h, LE);
            c50.intoMemorySegment(c, o5, LE); c51.intoMemorySegment(c, o5 + h, LE);
            return;
        }
        c00.intoArray(t, 0 * VL); c01.intoArray(t, 1 * VL);
        c10.intoArray(t, 2 * VL); c11.intoArray(t, 3 * VL);
        c20.intoArray(t, 4 * VL); c21.intoArray(t, 5 * VL);
        c30.intoArray(t, 6 * VL); c31.intoArray(t, 7 * VL);
        c40.intoArray(t, 8 * VL); c41.intoArray(t, 9 * VL);
        c50.intoArray(t, 10 * VL); c51.intoArray(t, 11 * VL);
        update(t, c, cb, ldcb, mr, nr, load);
    }

    /**
     * The 4×(4·VL) register tile over a p-major A panel ({@code ap[ao + p*4 + r]}) and a B panel
     * ({@code bp[bo + p*NR + j]}): 16 accumulators, 4 vector loads and 4 broadcasts per step of k.
     */
    static void kernel4PMajor(int kc, float[] ap, int ao, float[] bp, int bo, MemorySegment c, long cb, long ldcb,
                              int mr, int nr, boolean load, float[] t) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00,
                c20 = c00, c21 = c00, c22 = c00, c23 = c00, c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * (4 * VL), ai = ao + p * 4;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi), b1 = FloatVector.fromArray(S, bp, bi + VL),
                    b2 = FloatVector.fromArray(S, bp, bi + 2 * VL), b3 = FloatVector.fromArray(S, bp, bi + 3 * VL);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01); c02 = x.fma(b2, c02); c03 = x.fma(b3, c03);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11); c12 = x.fma(b2, c12); c13 = x.fma(b3, c13);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21); c22 = x.fma(b2, c22); c23 = x.fma(b3, c23);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31); c32 = x.fma(b2, c32); c33 = x.fma(b3, c33);
        }
        // Written out (as in the 6×2 kernels): vectors passed to a method that is not inlined get boxed.
        if (mr == 4 && nr == 4 * VL) {
            long o0 = cb, o1 = cb + ldcb, o2 = o1 + ldcb, o3 = o2 + ldcb, h = VL * 4L, h2 = 2 * h, h3 = 3 * h;
            if (load) {
                c00 = c00.add(FloatVector.fromMemorySegment(S, c, o0, LE)); c01 = c01.add(FloatVector.fromMemorySegment(S, c, o0 + h, LE));
                c02 = c02.add(FloatVector.fromMemorySegment(S, c, o0 + h2, LE)); c03 = c03.add(FloatVector.fromMemorySegment(S, c, o0 + h3, LE));
                c10 = c10.add(FloatVector.fromMemorySegment(S, c, o1, LE)); c11 = c11.add(FloatVector.fromMemorySegment(S, c, o1 + h, LE));
                c12 = c12.add(FloatVector.fromMemorySegment(S, c, o1 + h2, LE)); c13 = c13.add(FloatVector.fromMemorySegment(S, c, o1 + h3, LE));
                c20 = c20.add(FloatVector.fromMemorySegment(S, c, o2, LE)); c21 = c21.add(FloatVector.fromMemorySegment(S, c, o2 + h, LE));
                c22 = c22.add(FloatVector.fromMemorySegment(S, c, o2 + h2, LE)); c23 = c23.add(FloatVector.fromMemorySegment(S, c, o2 + h3, LE));
                c30 = c30.add(FloatVector.fromMemorySegment(S, c, o3, LE)); c31 = c31.add(FloatVector.fromMemorySegment(S, c, o3 + h, LE));
                c32 = c32.add(FloatVector.fromMemorySegment(S, c, o3 + h2, LE)); c33 = c33.add(FloatVector.fromMemorySegment(S, c, o3 + h3, LE));
            }
            c00.intoMemorySegment(c, o0, LE); c01.intoMemorySegment(c, o0 + h, LE); c02.intoMemorySegment(c, o0 + h2, LE); c03.intoMemorySegment(c, o0 + h3, LE);
            c10.intoMemorySegment(c, o1, LE); c11.intoMemorySegment(c, o1 + h, LE); c12.intoMemorySegment(c, o1 + h2, LE); c13.intoMemorySegment(c, o1 + h3, LE);
            c20.intoMemorySegment(c, o2, LE); c21.intoMemorySegment(c, o2 + h, LE); c22.intoMemorySegment(c, o2 + h2, LE); c23.intoMemorySegment(c, o2 + h3, LE);
            c30.intoMemorySegment(c, o3, LE); c31.intoMemorySegment(c, o3 + h, LE); c32.intoMemorySegment(c, o3 + h2, LE); c33.intoMemorySegment(c, o3 + h3, LE);
            return;
        }
        c00.intoArray(t, 0); c01.intoArray(t, VL); c02.intoArray(t, 2 * VL); c03.intoArray(t, 3 * VL);
        c10.intoArray(t, 4 * VL); c11.intoArray(t, 5 * VL); c12.intoArray(t, 6 * VL); c13.intoArray(t, 7 * VL);
        c20.intoArray(t, 8 * VL); c21.intoArray(t, 9 * VL); c22.intoArray(t, 10 * VL); c23.intoArray(t, 11 * VL);
        c30.intoArray(t, 12 * VL); c31.intoArray(t, 13 * VL); c32.intoArray(t, 14 * VL); c33.intoArray(t, 15 * VL);
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

package org.jtuner.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SgemmTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    /** Value written around C's matrices: must survive every call. */
    private static final float GUARD = -12345.5f;
    private static final double TOLERANCE = 1e-5;

    /** One call's operands: segments with guard zones and the layout parameters. */
    private record Problem(int batch, int m, int n, int k, boolean transA, boolean transB, boolean accumulate,
                           MemorySegment a, long aOff, long aStride, MemorySegment b, long bOff, long bStride,
                           MemorySegment c, long cOff, long cStride) {}

    private static Problem problem(Arena arena, long seed, int batch, int m, int n, int k, boolean transA,
                                   boolean transB, boolean accumulate, long aOff, long aStride, long bOff, long bStride,
                                   long cOff, long cStride) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long aLen = aOff + (batch - 1L) * aStride + (long) m * k + 17;
        long bLen = bOff + (batch - 1L) * bStride + (long) k * n + 17;
        long cLen = cOff + (batch - 1L) * cStride + (long) m * n + 17;
        MemorySegment a = arena.allocate(aLen * 4, 64), b = arena.allocate(bLen * 4, 64), c = arena.allocate(cLen * 4, 64);
        for (long i = 0; i < aLen; i++) a.setAtIndex(F, i, (float) (rnd.nextDouble() * 2 - 1));
        for (long i = 0; i < bLen; i++) b.setAtIndex(F, i, (float) (rnd.nextDouble() * 2 - 1));
        for (long i = 0; i < cLen; i++) c.setAtIndex(F, i, GUARD);
        for (int bi = 0; bi < batch; bi++)
            for (long i = 0; i < (long) m * n; i++) c.setAtIndex(F, cOff + bi * cStride + i, (float) (rnd.nextDouble() * 2 - 1));
        return new Problem(batch, m, n, k, transA, transB, accumulate, a, aOff, aStride, b, bOff, bStride, c, cOff, cStride);
    }

    private static Problem dense(Arena arena, long seed, int batch, int m, int n, int k, boolean transA, boolean transB,
                                 boolean accumulate) {
        return problem(arena, seed, batch, m, n, k, transA, transB, accumulate, 0, (long) m * k, 0, (long) k * n, 0,
                (long) m * n);
    }

    private static MemorySegment copy(Arena arena, MemorySegment s, boolean abs) {
        MemorySegment r = arena.allocate(s.byteSize(), 64);
        r.copyFrom(s);
        if (abs) for (long i = 0; i < r.byteSize() / 4; i++) r.setAtIndex(F, i, Math.abs(r.getAtIndex(F, i)));
        return r;
    }

    /** Runs {@link Sgemm#gemm} on p and checks it against {@link Sgemm#reference}, element by element. */
    private static void check(Arena arena, Problem p) {
        MemorySegment expected = copy(arena, p.c(), false);
        MemorySegment scale = copy(arena, p.c(), true);
        Sgemm.reference(p.batch(), p.m(), p.n(), p.k(), p.a(), p.aOff(), p.aStride(), p.transA(), p.b(), p.bOff(),
                p.bStride(), p.transB(), expected, p.cOff(), p.cStride(), p.accumulate());
        // The error bound of each element scales with Σ|a·b| (+ |c|): that is what float rounding is relative to.
        Sgemm.reference(p.batch(), p.m(), p.n(), p.k(), copy(arena, p.a(), true), p.aOff(), p.aStride(), p.transA(),
                copy(arena, p.b(), true), p.bOff(), p.bStride(), p.transB(), scale, p.cOff(), p.cStride(), p.accumulate());
        Sgemm.gemm(p.batch(), p.m(), p.n(), p.k(), p.a(), p.aOff(), p.aStride(), p.transA(), p.b(), p.bOff(),
                p.bStride(), p.transB(), p.c(), p.cOff(), p.cStride(), p.accumulate());
        double worst = 0;
        long worstAt = -1;
        for (long i = 0; i < p.c().byteSize() / 4; i++) {
            float want = expected.getAtIndex(F, i), got = p.c().getAtIndex(F, i);
            if (want == GUARD) {
                assertThat(got).as("guard element %d", i).isEqualTo(GUARD);
                continue;
            }
            double err = Math.abs(got - (double) want) / Math.max(Math.abs(scale.getAtIndex(F, i)), 1e-30);
            if (!(err <= worst)) {
                worst = err;
                worstAt = i;
            }
        }
        assertThat(worst).as("worst relative error (at element %d) for %s", worstAt, describe(p)).isLessThanOrEqualTo(TOLERANCE);
    }

    private static String describe(Problem p) {
        return "batch=" + p.batch() + " m=" + p.m() + " n=" + p.n() + " k=" + p.k() + " transA=" + p.transA()
                + " transB=" + p.transB() + " accumulate=" + p.accumulate();
    }

    static Stream<Arguments> shapes() {
        int[][] shapes = {
                {1, 1, 1}, {1, 1, 7}, {1, 37, 1}, {37, 1, 1}, {1, 300, 70}, {300, 1, 70}, {1, 1, 1000},
                {2, 3, 4}, {7, 7, 7}, {13, 13, 13}, {17, 17, 17}, {33, 33, 33}, {65, 65, 65}, {127, 127, 127},
                {257, 257, 257}, {7, 13, 17}, {17, 13, 7}, {5, 33, 65}, {65, 33, 5}, {6, 32, 256}, {12, 64, 512},
                {31, 47, 129}, {100, 200, 300}, {257, 31, 513}, {31, 1025, 70}, {1537, 17, 40}, {130, 515, 257},
                {40, 40, 4099}, {1, 64, 4096}, {9, 9, 9}, {12, 40, 3}, {40, 12, 3}, {13, 9, 1}, {8, 100, 50},
                {100, 8, 50}, {3, 1000, 20}, {1000, 3, 20}, {4, 17, 2000}, {17, 4, 2000}, {5, 5, 5},
        };
        List<Arguments> args = new ArrayList<>();
        for (int[] s : shapes)
            for (int t = 0; t < 4; t++) args.add(Arguments.of(s[0], s[1], s[2], (t & 2) != 0, (t & 1) != 0));
        return args.stream();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4}")
    @MethodSource("shapes")
    void matchesReference(int m, int n, int k, boolean transA, boolean transB) {
        try (Arena arena = Arena.ofShared()) {
            check(arena, dense(arena, m * 31L + n * 7L + k, 1, m, n, k, transA, transB, false));
            check(arena, dense(arena, m * 37L + n * 5L + k, 1, m, n, k, transA, transB, true));
        }
    }

    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4}")
    @MethodSource("shapes")
    void confinedSegmentsRunOnTheCallingThread(int m, int n, int k, boolean transA, boolean transB) {
        if ((long) m * n * k < 100_000) return; // only the shapes big enough to go parallel otherwise
        try (Arena arena = Arena.ofConfined()) {
            check(arena, dense(arena, 99, 1, m, n, k, transA, transB, false));
        }
    }

    static Stream<Arguments> transposes() {
        return Stream.of(Arguments.of(false, false), Arguments.of(false, true), Arguments.of(true, false),
                Arguments.of(true, true));
    }

    /** Like {@link #check} for shapes too big for the scalar reference: checks a random sample of C's elements. */
    private static void checkSampled(Problem p, int samples) {
        MemorySegment before = Arena.ofAuto().allocate(p.c().byteSize(), 64);
        before.copyFrom(p.c());
        Sgemm.gemm(p.batch(), p.m(), p.n(), p.k(), p.a(), p.aOff(), p.aStride(), p.transA(), p.b(), p.bOff(),
                p.bStride(), p.transB(), p.c(), p.cOff(), p.cStride(), p.accumulate());
        SplittableRandom rnd = new SplittableRandom(42);
        int m = p.m(), n = p.n(), k = p.k();
        for (int t = 0; t < samples; t++) {
            int bi = rnd.nextInt(p.batch()), i = rnd.nextInt(m), j = rnd.nextInt(n);
            long ao = p.aOff() + bi * p.aStride(), bo = p.bOff() + bi * p.bStride();
            long at = p.cOff() + bi * p.cStride() + (long) i * n + j;
            double sum = p.accumulate() ? before.getAtIndex(F, at) : 0, scale = Math.abs(sum);
            for (int q = 0; q < k; q++) {
                double x = p.a().getAtIndex(F, ao + (p.transA() ? (long) q * m + i : (long) i * k + q));
                double y = p.b().getAtIndex(F, bo + (p.transB() ? (long) j * k + q : (long) q * n + j));
                sum += x * y;
                scale += Math.abs(x * y);
            }
            double err = Math.abs(p.c().getAtIndex(F, at) - sum) / scale;
            assertThat(err).as("relative error at batch %d (%d, %d) for %s", bi, i, j, describe(p)).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void decoderLayerShapes(boolean transA, boolean transB) {
        try (Arena arena = Arena.ofShared()) {
            checkSampled(dense(arena, 1, 1, 1536, 512, 512, transA, transB, false), 2000);
            checkSampled(dense(arena, 2, 1, 1536, 1376, 512, transA, transB, true), 2000);
            checkSampled(dense(arena, 3, 1, 512, 1376, 1536, transA, transB, false), 2000);
            checkSampled(dense(arena, 4, 2, 1024, 1024, 1024, transA, transB, true), 2000);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void segmentsWithoutSlack(boolean transA, boolean transB) {
        // Operands that end exactly where their segments do: no vector read may run past a matrix's last element.
        int[][] shapes = {{1, 1, 1}, {5, 7, 3}, {3, 100, 40}, {100, 3, 40}, {7, 33, 17}, {37, 45, 70}, {130, 515, 33},
                {203, 61, 529}, {1025, 70, 40}};
        for (int[] sh : shapes) {
            int m = sh[0], n = sh[1], k = sh[2];
            try (Arena arena = Arena.ofShared()) {
                SplittableRandom rnd = new SplittableRandom(m + n + k);
                MemorySegment a = arena.allocate((long) m * k * 4, 64), b = arena.allocate((long) k * n * 4, 64);
                MemorySegment c = arena.allocate((long) m * n * 4, 64), expected = arena.allocate((long) m * n * 4, 64);
                for (long i = 0; i < (long) m * k; i++) a.setAtIndex(F, i, (float) (rnd.nextDouble() * 2 - 1));
                for (long i = 0; i < (long) k * n; i++) b.setAtIndex(F, i, (float) (rnd.nextDouble() * 2 - 1));
                Sgemm.gemm(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, c, 0, 0, false);
                Sgemm.reference(1, m, n, k, a, 0, 0, transA, b, 0, 0, transB, expected, 0, 0, false);
                for (long i = 0; i < (long) m * n; i++)
                    assertThat((double) c.getAtIndex(F, i)).as("%dx%dx%d element %d", m, n, k, i)
                            .isCloseTo(expected.getAtIndex(F, i), org.assertj.core.data.Offset.offset(1e-5 * k));
            }
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void bigOperandsArePackedInRounds(boolean transA, boolean transB) {
        try (Arena arena = Arena.ofShared()) {
            // op(B) over the per-round packing limit: packed in column chunks.
            checkSampled(dense(arena, 5, 1, 40, 2100, 2100, transA, transB, true), 1000);
            // Unshared B of many batch entries: several entries per round, then the rest.
            checkSampled(dense(arena, 6, 6, 20, 1000, 1000, transA, transB, false), 1000);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void batches(boolean transA, boolean transB) {
        try (Arena arena = Arena.ofShared()) {
            for (int batch : new int[] {1, 2, 3, 5}) {
                int m = 37, n = 70, k = 45;
                long a = (long) m * k, b = (long) k * n, c = (long) m * n;
                check(arena, problem(arena, batch, batch, m, n, k, transA, transB, false, 0, a, 0, b, 0, c));
                // A shared (stride 0), B shared, both shared.
                check(arena, problem(arena, batch + 10, batch, m, n, k, transA, transB, false, 0, 0, 0, b, 0, c));
                check(arena, problem(arena, batch + 20, batch, m, n, k, transA, transB, true, 0, a, 0, 0, 0, c));
                check(arena, problem(arena, batch + 30, batch, m, n, k, transA, transB, false, 0, 0, 0, 0, 0, c));
                // Gaps between batch entries and odd offsets (so nothing is vector-aligned).
                check(arena, problem(arena, batch + 40, batch, m, n, k, transA, transB, true, 3, a + 5, 1, b + 9, 7,
                        c + 11));
            }
            // Large enough for the parallel path, with an odd batch count.
            check(arena, problem(arena, 50, 3, 200, 150, 100, transA, transB, false, 0, 200 * 100, 0, 0, 0, 200 * 150));
            check(arena, problem(arena, 51, 3, 150, 300, 100, transA, transB, true, 0, 0, 0, 300 * 100, 1, 150 * 300 + 3));
            check(arena, problem(arena, 52, 4, 64, 64, 64, transA, transB, false, 5, 64 * 64, 0, 64 * 64, 3, 64 * 64));
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void offsets(boolean transA, boolean transB) {
        try (Arena arena = Arena.ofShared()) {
            for (int off : new int[] {1, 3, 15, 17}) {
                check(arena, problem(arena, off, 1, 19, 45, 33, transA, transB, false, off, 0, off + 1, 0, off + 2, 0));
                check(arena, problem(arena, off, 1, 190, 450, 33, transA, transB, true, off, 0, off + 1, 0, off + 2, 0));
            }
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1}")
    @MethodSource("transposes")
    void parallelResultIsBitIdenticalToSequential(boolean transA, boolean transB) {
        // Each element of C is summed in the same order whichever thread computes it: no dependence on timing.
        for (int[] s : new int[][] {{301, 257, 600}, {3, 5000, 300}, {5000, 3, 300}}) {
            int m = s[0], n = s[1], k = s[2];
            try (Arena shared = Arena.ofShared(); Arena confined = Arena.ofConfined()) {
                Problem p = dense(shared, 7, 2, m, n, k, transA, transB, true);
                MemorySegment a = copy(confined, p.a(), false), b = copy(confined, p.b(), false);
                MemorySegment c = copy(confined, p.c(), false);
                Sgemm.gemm(2, m, n, k, p.a(), 0, p.aStride(), transA, p.b(), 0, p.bStride(), transB, p.c(), 0, p.cStride(), true);
                Sgemm.gemm(2, m, n, k, a, 0, p.aStride(), transA, b, 0, p.bStride(), transB, c, 0, p.cStride(), true);
                assertThat(c.mismatch(p.c())).as("%dx%dx%d", m, n, k).isEqualTo(-1L);
            }
        }
    }

    /** The register tile is the one this JVM was told to use (the build runs this class on both tiles). */
    @Test
    void registerTileIsTheConfiguredOne() {
        boolean narrow = "6x2".equals(System.getProperty("jtuner.sgemm.tile")) || Sgemm.VL < 16;
        assertThat(Sgemm.MR).isEqualTo(narrow ? 6 : 4);
        assertThat(Sgemm.NR).isEqualTo((narrow ? 2 : 4) * Sgemm.VL);
        System.out.printf("SgemmTest: register tile %d x %d floats%n", Sgemm.MR, Sgemm.NR);
    }

    @Test
    void zeroSizes() {
        try (Arena arena = Arena.ofShared()) {
            // k = 0: C = 0, or unchanged when accumulating.
            Problem p = dense(arena, 1, 2, 5, 6, 0, false, false, false);
            check(arena, p);
            for (int i = 0; i < 2 * 5 * 6; i++) assertThat(p.c().getAtIndex(F, i)).isZero();
            check(arena, dense(arena, 2, 2, 5, 6, 0, true, true, true));
            // m = 0, n = 0, batch = 0: nothing is touched.
            check(arena, dense(arena, 3, 1, 0, 6, 5, false, false, false));
            check(arena, dense(arena, 4, 1, 6, 0, 5, false, true, false));
            MemorySegment c = arena.allocate(64);
            c.fill((byte) 7);
            Sgemm.gemm(0, 4, 4, 4, c, 0, 0, false, c, 0, 0, false, c, 0, 0, false);
            assertThat(c.get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 7);
        }
    }

    @Test
    void exactForSmallIntegers() {
        // Products and sums of small integers are exact in float: the result must match bit for bit.
        try (Arena arena = Arena.ofShared()) {
            int m = 70, n = 90, k = 300;
            MemorySegment a = arena.allocate((long) m * k * 4, 64), b = arena.allocate((long) k * n * 4, 64);
            MemorySegment c = arena.allocate((long) m * n * 4, 64);
            for (int i = 0; i < m * k; i++) a.setAtIndex(F, i, i % 7 - 3);
            for (int i = 0; i < k * n; i++) b.setAtIndex(F, i, i % 5 - 2);
            Sgemm.gemm(1, m, n, k, a, 0, 0, false, b, 0, 0, false, c, 0, 0, false);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    long sum = 0;
                    for (int p = 0; p < k; p++) sum += (long) ((i * k + p) % 7 - 3) * ((p * n + j) % 5 - 2);
                    assertThat(c.getAtIndex(F, (long) i * n + j)).isEqualTo((float) sum);
                }
        }
    }

    @Test
    void rejectsBadArguments() {
        MemorySegment s = Arena.global().allocate(64);
        assertThatThrownBy(() -> Sgemm.gemm(1, -1, 1, 1, s, 0, 0, false, s, 0, 0, false, s, 0, 0, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sgemm.gemm(1, 1, 1, 1, s, -1, 0, false, s, 0, 0, false, s, 0, 0, false))
                .isInstanceOf(IllegalArgumentException.class);
        // Operands that do not fit their segments are rejected before anything is written.
        assertThatThrownBy(() -> Sgemm.gemm(1, 8, 8, 8, s, 0, 0, false, s, 0, 0, false, s, 0, 0, false))
                .isInstanceOf(IndexOutOfBoundsException.class);
        MemorySegment big = Arena.global().allocate(4096, 64);
        assertThatThrownBy(() -> Sgemm.gemm(2, 16, 16, 16, big, 0, 1000, false, big, 0, 0, false, big, 0, 0, false))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("a needs");
    }
}

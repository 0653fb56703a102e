package org.jtuner.data.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/**
 * The length-grouped sampler's properties, over many random datasets (mixes of image and text-only samples,
 * sizes from tiny to a few thousand), world sizes and batch sizes.
 */
class SamplerPropertiesTest {
    private record Case(int[] lengths, int batch, int world, Integer mult, long seed) {}

    private static Iterable<Case> cases() {
        Random r = new Random(1234);
        List<Case> out = new java.util.ArrayList<>();
        for (int k = 0; k < 300; k++) {
            int n = switch (k % 4) {
                case 0 -> 1 + r.nextInt(10);
                case 1 -> 10 + r.nextInt(100);
                case 2 -> 100 + r.nextInt(1000);
                default -> 2000 + r.nextInt(2000);
            };
            double imageShare = switch (k % 5) {
                case 0 -> 0;
                case 1 -> 1;
                default -> r.nextDouble();
            };
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                int len = 1 + r.nextInt(2048);
                lengths[i] = r.nextDouble() < imageShare ? len : -len;
            }
            out.add(new Case(lengths, 1 + r.nextInt(8), 1 + r.nextInt(4), k % 3 == 0 ? Integer.valueOf(1 + r.nextInt(5)) : null, r.nextLong()));
        }
        return out;
    }

    private static LengthGroupedSampler sampler(Case c, int rank) {
        return new LengthGroupedSampler(c.lengths(), c.batch(), c.world(), rank, c.mult(), c.seed(), true);
    }

    /** Every rank's indices of one epoch, interleaved back into the global (rounded-up) order. */
    private static int[] gathered(Case c, int epoch) {
        int[][] perRank = new int[c.world()][];
        for (int r = 0; r < c.world(); r++) perRank[r] = sampler(c, r).indices(epoch);
        int per = perRank[0].length;
        int[] out = new int[per * c.world()];
        for (int r = 0; r < c.world(); r++) {
            assertThat(perRank[r]).hasSize(per);
            for (int k = 0; k < per; k++) out[k * c.world() + r] = perRank[r][k];
        }
        return out;
    }

    @Test
    void everySampleExactlyOncePerEpochAcrossRanksPlusRoundUpDuplicates() {
        for (Case c : cases()) {
            int n = c.lengths().length;
            int[] all = gathered(c, 0);
            int step = c.batch() * c.world();
            assertThat(all.length % step).isZero();
            assertThat(all.length).isEqualTo(((n + step - 1) / step) * step);
            int[] global = sampler(c, 0).globalOrder(0);
            assertThat(Arrays.stream(global).sorted().toArray()).as("a permutation").isEqualTo(java.util.stream.IntStream.range(0, n).toArray());
            // The first n positions are the permutation; the rest repeat its start (the round-up duplicates).
            assertThat(Arrays.copyOf(all, n)).isEqualTo(global);
            for (int i = n; i < all.length; i++) assertThat(all[i]).isEqualTo(global[(i - n) % n]);
            // Each rank's batches: numSamples() indices, a whole number of per-device batches.
            assertThat(sampler(c, 0).numSamples() % c.batch()).isZero();
        }
    }

    @Test
    void noStepMixesModalitiesExceptInTheLeftover() {
        int mixedCases = 0;
        for (Case c : cases()) {
            LengthGroupedSampler s = sampler(c, 0);
            LengthGroupedSampler.Plan plan = s.plan(0);
            int n = c.lengths().length;
            // Mega-batches without a leftover sample are one modality and a whole number of steps long, so that
            // steps never straddle two of them.
            for (int[] mb : plan.megaBatches()) {
                if (Arrays.stream(mb).anyMatch(plan.leftover()::contains)) continue;
                assertThat(Arrays.stream(mb).map(i -> Integer.signum(c.lengths()[i])).distinct().count()).isEqualTo(1);
                if (!plan.leftover().isEmpty()) assertThat(mb.length % s.stepSize()).isZero();
            }
            // Steps of the global order (all ranks): one modality unless the step holds a leftover sample.
            int[] global = gathered(c, 0);
            int step = s.stepSize();
            int mixedSteps = 0;
            for (int from = 0; from < n; from += step) {
                int to = Math.min(n, from + step);
                Set<Integer> signs = new HashSet<>();
                boolean leftover = false;
                for (int i = from; i < to; i++) {
                    signs.add(Integer.signum(c.lengths()[global[i]]));
                    leftover |= plan.leftover().contains(global[i]);
                }
                if (signs.size() > 1) {
                    mixedSteps++;
                    assertThat(leftover).as("a mixed step holds a leftover sample").isTrue();
                }
            }
            // The leftover is the two modalities' last mega-batches, so it spans at most 2 * groupSize samples.
            assertThat(plan.leftover().size()).isLessThanOrEqualTo(2 * s.groupSize());
            if (mixedSteps > 0) mixedCases++;
        }
        assertThat(mixedCases).as("the generated cases include mixed leftovers").isPositive();
    }

    @Test
    void megaBatchesAreSortedLongestFirstAndTheLongestSampleComesFirst() {
        for (Case c : cases()) {
            LengthGroupedSampler s = sampler(c, 0);
            int max = Arrays.stream(c.lengths()).map(Math::abs).max().orElseThrow();
            int[] rank0 = s.indices(0);
            assertThat(Math.abs(c.lengths()[rank0[0]])).as("rank 0's first sample is the longest").isEqualTo(max);
            List<int[]> groups = s.megaBatches(0);
            int unsorted = 0;
            for (int[] g : groups) {
                for (int i = 1; i < g.length; i++) {
                    if (Math.abs(c.lengths()[g[i - 1]]) < Math.abs(c.lengths()[g[i]])) {
                        unsorted++;
                        break;
                    }
                }
            }
            // Only XTuner's single-sample swap (leftover shorter than one step) unsorts mega-batches, two at most.
            assertThat(unsorted).isLessThanOrEqualTo(2);
            // The first step holds the longest samples of the first mega-batch.
            int step = Math.min(s.stepSize(), groups.getFirst().length);
            int[] firstStep = Arrays.copyOf(s.globalOrder(0), step);
            int minFirst = Arrays.stream(firstStep).map(i -> Math.abs(c.lengths()[i])).min().orElseThrow();
            if (unsorted == 0) {
                for (int i = step; i < groups.getFirst().length; i++) {
                    assertThat(Math.abs(c.lengths()[groups.getFirst()[i]])).isLessThanOrEqualTo(minFirst);
                }
            }
        }
    }

    @Test
    void sameOrderOnEveryRankForTheSameSeedAndANewOrderEachEpoch() {
        for (Case c : cases()) {
            int[] e0 = sampler(c, 0).globalOrder(0);
            for (int r = 1; r < c.world(); r++) assertThat(sampler(c, r).globalOrder(0)).isEqualTo(e0);
            assertThat(sampler(c, 0).indices(3)).isEqualTo(sampler(c, 0).indices(3));
            // With at least three mega-batches the order of mega-batches, and so the order, depends on the seed.
            if (sampler(c, 0).megaBatches(0).size() >= 3 && c.lengths().length >= 20) {
                assertThat(sampler(c, 0).globalOrder(1)).isNotEqualTo(e0);
                Case other = new Case(c.lengths(), c.batch(), c.world(), c.mult(), c.seed() + 1000);
                assertThat(sampler(other, 0).globalOrder(0)).isNotEqualTo(e0);
            }
        }
    }

    @Test
    void defaultMegaBatchMultIsXtuners() {
        assertThat(LengthGroupedSampler.defaultMegaBatchMult(10, 4)).isEqualTo(1);
        assertThat(LengthGroupedSampler.defaultMegaBatchMult(1000, 4)).isEqualTo(50);
        assertThat(LengthGroupedSampler.defaultMegaBatchMult(640, 16)).isEqualTo(10);
    }

    @Test
    void zeroLengthsAndBadRanksAreRejected() {
        assertThatThrownBy(() -> new LengthGroupedSampler(new int[] {3, 0}, 1, 1, 0, null, 0, true)).hasMessageContaining("length 0");
        assertThatThrownBy(() -> new LengthGroupedSampler(new int[] {3}, 1, 2, 2, null, 0, true)).hasMessageContaining("rank 2");
    }

    @Test
    void shuffleSamplerCoversEverySampleAndAgreesAcrossRanks() {
        for (int n : new int[] {1, 7, 100, 1001}) {
            for (int world = 1; world <= 4; world++) {
                int per = new ShuffleSampler(n, world, 0, 5, true, true).numSamples();
                int[] all = new int[per * world];
                for (int r = 0; r < world; r++) {
                    int[] idx = new ShuffleSampler(n, world, r, 5, true, true).indices(2);
                    for (int k = 0; k < per; k++) all[k * world + r] = idx[k];
                }
                assertThat(Arrays.stream(Arrays.copyOf(all, n)).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, n).toArray());
                if (n >= 20) {
                    assertThat(new ShuffleSampler(n, world, 0, 5, true, true).indices(0))
                            .isNotEqualTo(new ShuffleSampler(n, world, 0, 5, true, true).indices(1));
                }
            }
        }
    }

    /**
     * The data-parallel rule, rank count by rank count (1 to 4) and epoch by epoch (3): every rank builds the sampler
     * from the same seed; together the ranks' slices of an epoch are every sample once plus, when the dataset does not
     * fill the last global step, the start of the epoch's order again (mmengine's round-up); each step of the ranks
     * together is one slice of the global order, so all ranks step through samples of one mega-batch (similar length,
     * one modality outside the leftover); the step holding the longest sample comes first.
     */
    @Test
    void oneToFourRanksOverThreeEpochs() {
        Random r = new Random(77);
        for (int n : new int[] {1, 13, 64, 203}) {
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) lengths[i] = (1 + r.nextInt(500)) * (r.nextBoolean() ? 1 : -1);
            for (int world = 1; world <= 4; world++) {
                for (int batch : new int[] {1, 3}) {
                    Case c = new Case(lengths, batch, world, null, 99);
                    int step = batch * world, total = ((n + step - 1) / step) * step;
                    int max = Arrays.stream(lengths).map(Math::abs).max().orElseThrow();
                    int[] previous = null;
                    for (int epoch = 0; epoch < 3; epoch++) {
                        int[] global = sampler(c, 0).globalOrder(epoch);
                        for (int rank = 1; rank < world; rank++) {
                            assertThat(sampler(c, rank).globalOrder(epoch)).as("rank %d agrees on the order", rank).isEqualTo(global);
                        }
                        int[] all = gathered(c, epoch);
                        assertThat(all).hasSize(total);
                        int[] counts = new int[n];
                        for (int i : all) counts[i]++;
                        for (int i = 0; i < n; i++) {
                            // once, plus once more for the samples the round-up repeats from the start of the order
                            int repeats = 0;
                            for (int k = n; k < total; k++) if (global[(k - n) % n] == i) repeats++;
                            assertThat(counts[i]).as("sample %d in epoch %d, %d ranks", i, epoch, world).isEqualTo(1 + repeats);
                        }
                        // step k of all ranks together is global positions [k*step, (k+1)*step)
                        assertThat(Arrays.copyOf(all, n)).isEqualTo(global);
                        int firstStepMax = 0;
                        for (int k = 0; k < Math.min(step, n); k++) firstStepMax = Math.max(firstStepMax, Math.abs(lengths[all[k]]));
                        assertThat(firstStepMax).as("the longest sample is in the first step").isEqualTo(max);
                        if (previous != null && n >= 64) assertThat(global).as("a new order each epoch").isNotEqualTo(previous);
                        previous = global;
                    }
                }
            }
        }
    }

    @Test
    void theShuffleSamplerOverOneToFourRanksAndThreeEpochs() {
        for (int n : new int[] {5, 64, 101}) {
            for (int world = 1; world <= 4; world++) {
                int per = new ShuffleSampler(n, world, 0, 3, true, true).numSamples();
                for (int epoch = 0; epoch < 3; epoch++) {
                    int[] all = new int[per * world];
                    for (int rank = 0; rank < world; rank++) {
                        int[] idx = new ShuffleSampler(n, world, rank, 3, true, true).indices(epoch);
                        assertThat(idx).hasSize(per);
                        for (int k = 0; k < per; k++) all[k * world + rank] = idx[k];
                    }
                    assertThat(Arrays.stream(Arrays.copyOf(all, n)).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, n).toArray());
                    // the round-up repeats the start of the epoch's order
                    for (int k = n; k < all.length; k++) assertThat(all[k]).isEqualTo(all[k - n]);
                }
            }
        }
    }
}

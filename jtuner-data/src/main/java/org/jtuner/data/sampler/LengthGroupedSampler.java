package org.jtuner.data.sampler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * XTuner's {@code LengthGroupedSampler} over modality lengths (positive: the sample has images; negative: text only).
 *
 * <p>Per epoch, with a generator seeded by {@code seed + epoch}: image samples and text-only samples are each
 * shuffled and cut into mega-batches of {@code megaBatchMult x perDeviceBatch x world} samples, and each mega-batch
 * is sorted longest first. The last mega-batch of each modality is set aside; the others are shuffled together;
 * the two set-aside ones are joined into one leftover mega-batch, sorted longest first, and put last. (When all
 * samples have one modality, the shuffled mega-batches are used as they are.) Then the batch holding the globally
 * longest sample is moved to the first step, so that an out-of-memory shows at step one. The global order is
 * padded to a whole number of steps by repeating its start (round-up) and rank r takes {@code order[r::world]}.
 *
 * <p>Differences from XTuner, both on purpose. (1) XTuner swaps only the longest <em>sample</em> with the first
 * sample, which can put an image sample into a text-only batch; here the whole mega-batch holding it is swapped
 * with the first one, so every step outside the leftover mega-batch keeps one modality and every mega-batch stays
 * sorted. When the longest sample is in the leftover, the leftover's first step (its longest samples) is moved to
 * the front instead, or, when the leftover is smaller than one step, XTuner's single-sample swap is made.
 * (2) The random numbers come from {@link SplittableRandom}, not torch's generator, so the order is not XTuner's
 * order for the same seed; the properties are the same.
 */
public final class LengthGroupedSampler implements Sampler {
    private final int[] lengths;
    private final int worldSize;
    private final int rank;
    private final long seed;
    private final boolean roundUp;
    private final int numSamples;
    private final int totalSize;
    private final int groupSize;
    private final int stepSize;

    /**
     * @param modalityLengths per sample: its token count, negated for text-only samples (never 0)
     * @param megaBatchMult   null for XTuner's default {@code min(len // (total_batch * 4), 50)}, at least 1
     * @param seed            one seed shared by every rank
     */
    public LengthGroupedSampler(int[] modalityLengths, int perDeviceBatchSize, int worldSize, int rank, Integer megaBatchMult,
                                long seed, boolean roundUp) {
        ShuffleSampler.checkRank(worldSize, rank);
        if (perDeviceBatchSize < 1) throw new IllegalArgumentException("per-device batch size must be at least 1, got " + perDeviceBatchSize);
        for (int i = 0; i < modalityLengths.length; i++) {
            if (modalityLengths[i] == 0) throw new IllegalArgumentException("sample " + i + " has length 0 (modality lengths are never 0)");
        }
        this.lengths = modalityLengths.clone();
        this.worldSize = worldSize;
        this.rank = rank;
        this.seed = seed;
        this.roundUp = roundUp;
        int n = lengths.length;
        if (roundUp) {
            numSamples = ShuffleSampler.ceilDiv(n, worldSize * perDeviceBatchSize) * perDeviceBatchSize;
            totalSize = numSamples * worldSize;
        } else {
            numSamples = ShuffleSampler.ceilDiv(n - rank, worldSize);
            totalSize = n;
        }
        stepSize = perDeviceBatchSize * worldSize;
        int mult = megaBatchMult != null ? megaBatchMult : defaultMegaBatchMult(n, stepSize);
        if (mult < 1) throw new IllegalArgumentException("mega_batch_mult must be at least 1, got " + mult);
        groupSize = Math.multiplyExact(mult, stepSize);
    }

    /** XTuner's default: 50, or the number that makes 4 mega-batches, whichever is smaller; at least 1. */
    public static int defaultMegaBatchMult(int datasetSize, int totalBatchSize) {
        return Math.max(1, Math.min(datasetSize / (totalBatchSize * 4), 50));
    }

    @Override
    public int[] indices(int epoch) {
        if (lengths.length == 0) return new int[0];
        int[] order = globalOrder(epoch);
        if (roundUp) return Sampler.share(order, totalSize, worldSize, rank);
        int[] out = new int[numSamples];
        for (int k = 0, i = rank; i < order.length; i += worldSize, k++) out[k] = order[i];
        return out;
    }

    @Override
    public int numSamples() {
        return numSamples;
    }

    /** Samples per mega-batch: {@code megaBatchMult x perDeviceBatch x world}. */
    public int groupSize() {
        return groupSize;
    }

    /** Samples per global step: {@code perDeviceBatch x world}. */
    public int stepSize() {
        return stepSize;
    }

    /** The order of all samples for {@code epoch}, the same on every rank, before round-up and sharding. */
    public int[] globalOrder(int epoch) {
        List<int[]> groups = megaBatches(epoch);
        int[] out = new int[lengths.length];
        int k = 0;
        for (int[] g : groups) {
            System.arraycopy(g, 0, out, k, g.length);
            k += g.length;
        }
        return out;
    }

    /**
     * The mega-batches of {@code epoch} in visiting order; their concatenation is {@link #globalOrder}. When the
     * data has both modalities the last one is the leftover (the two modalities' last mega-batches joined), and
     * when the longest sample was in the leftover the first one is the leftover's first step.
     */
    public List<int[]> megaBatches(int epoch) {
        return plan(epoch).megaBatches();
    }

    /**
     * An epoch's mega-batches and the samples of its leftover mega-batch (the two modalities' last mega-batches,
     * the only place where a step may hold both; empty when the data has one modality).
     */
    record Plan(List<int[]> megaBatches, Set<Integer> leftover) {}

    Plan plan(int epoch) {
        SplittableRandom rng = new SplittableRandom(seed + epoch);
        int n = lengths.length;
        if (n == 0) return new Plan(List.of(), Set.of());
        int[] all = IntStream.range(0, n).toArray();
        int[] mm = IntStream.range(0, n).filter(i -> lengths[i] > 0).toArray();
        int[] lang = IntStream.range(0, n).filter(i -> lengths[i] < 0).toArray();
        List<int[]> groups;
        Set<Integer> leftoverSet = new HashSet<>();
        boolean mixed = mm.length > 0 && lang.length > 0;
        if (!mixed) {
            groups = process(all, rng);
        } else {
            List<int[]> mmGroups = process(mm, rng);
            List<int[]> langGroups = process(lang, rng);
            int[] lastMm = mmGroups.removeLast();
            int[] lastLang = langGroups.removeLast();
            List<int[]> body = new ArrayList<>(mmGroups);
            body.addAll(langGroups);
            int[] perm = Sampler.randperm(body.size(), rng);
            groups = new ArrayList<>(body.size() + 2);
            for (int p : perm) groups.add(body.get(p));
            int[] leftover = new int[lastMm.length + lastLang.length];
            System.arraycopy(lastMm, 0, leftover, 0, lastMm.length);
            System.arraycopy(lastLang, 0, leftover, lastMm.length, lastLang.length);
            groups.add(sortedLongestFirst(leftover));
            for (int i : leftover) leftoverSet.add(i);
        }
        longestFirst(groups, mixed);
        return new Plan(groups, leftoverSet);
    }

    /** Shuffles {@code ids}, cuts them into mega-batches and sorts each longest first. */
    private List<int[]> process(int[] ids, SplittableRandom rng) {
        int[] perm = Sampler.randperm(ids.length, rng);
        List<int[]> groups = new ArrayList<>();
        for (int s = 0; s < ids.length; s += groupSize) {
            int[] g = new int[Math.min(groupSize, ids.length - s)];
            for (int j = 0; j < g.length; j++) g[j] = ids[perm[s + j]];
            groups.add(sortedLongestFirst(g));
        }
        return groups;
    }

    /** Longest first by |length|; ties keep their order (Python's sort is stable too). */
    private int[] sortedLongestFirst(int[] ids) {
        // Sort keys: the negated length in the high half, the position in the low half (so ties keep their order).
        long[] keys = new long[ids.length];
        for (int j = 0; j < ids.length; j++) keys[j] = ((long) -Math.abs(lengths[ids[j]]) << 32) | j;
        Arrays.sort(keys);
        int[] out = new int[ids.length];
        for (int j = 0; j < ids.length; j++) out[j] = ids[(int) (keys[j] & 0xffffffffL)];
        return out;
    }

    private void longestFirst(List<int[]> groups, boolean mixed) {
        int best = 0;
        for (int g = 1; g < groups.size(); g++) {
            if (Math.abs(lengths[groups.get(g)[0]]) > Math.abs(lengths[groups.get(best)[0]])) best = g;
        }
        if (best == 0) return;
        boolean inLeftover = mixed && best == groups.size() - 1;
        if (!inLeftover) {
            groups.set(0, groups.set(best, groups.get(0)));
            return;
        }
        int[] leftover = groups.get(best);
        if (leftover.length >= stepSize) {
            groups.set(best, Arrays.copyOfRange(leftover, stepSize, leftover.length));
            groups.addFirst(Arrays.copyOf(leftover, stepSize));
            if (groups.getLast().length == 0) groups.removeLast();
        } else {
            int[] first = groups.getFirst();
            int t = first[0];
            first[0] = leftover[0];
            leftover[0] = t;
        }
    }
}

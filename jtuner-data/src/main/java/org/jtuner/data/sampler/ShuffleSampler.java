package org.jtuner.data.sampler;

import java.util.SplittableRandom;

/**
 * mmengine's {@code DefaultSampler}: a random permutation per epoch (seed + epoch), padded to a multiple of the
 * world by repeating its start (round-up), and rank r taking {@code indices[r::world]}. With {@code shuffle=false}
 * the order is 0..n-1.
 */
public final class ShuffleSampler implements Sampler {
    private final int size;
    private final int worldSize;
    private final int rank;
    private final long seed;
    private final boolean shuffle;
    private final int numSamples;
    private final int totalSize;
    private final boolean roundUp;

    public ShuffleSampler(int size, int worldSize, int rank, long seed, boolean shuffle, boolean roundUp) {
        if (size < 0) throw new IllegalArgumentException("size must be >= 0, got " + size);
        checkRank(worldSize, rank);
        this.size = size;
        this.worldSize = worldSize;
        this.rank = rank;
        this.seed = seed;
        this.shuffle = shuffle;
        this.roundUp = roundUp;
        if (roundUp) {
            numSamples = ceilDiv(size, worldSize);
            totalSize = numSamples * worldSize;
        } else {
            numSamples = ceilDiv(size - rank, worldSize);
            totalSize = size;
        }
    }

    @Override
    public int[] indices(int epoch) {
        int[] order = shuffle ? Sampler.randperm(size, new SplittableRandom(seed + epoch)) : identity(size);
        if (size == 0) return new int[0];
        if (roundUp) return Sampler.share(order, totalSize, worldSize, rank);
        int[] out = new int[numSamples];
        for (int k = 0, i = rank; i < size; i += worldSize, k++) out[k] = order[i];
        return out;
    }

    @Override
    public int numSamples() {
        return numSamples;
    }

    private static int[] identity(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    static int ceilDiv(int a, int b) {
        return a <= 0 ? 0 : (a + b - 1) / b;
    }

    static void checkRank(int worldSize, int rank) {
        if (worldSize < 1) throw new IllegalArgumentException("world size must be at least 1, got " + worldSize);
        if (rank < 0 || rank >= worldSize) throw new IllegalArgumentException("rank " + rank + " is outside a world of " + worldSize);
    }
}

package org.jtuner.data.sampler;

/**
 * The order in which one rank visits a dataset. All ranks construct the same sampler with the same seed and see
 * disjoint parts of one global order; {@code indices(epoch)} is a pure function of the seed and the epoch, so a
 * resumed run sees the same order.
 */
public interface Sampler {
    /** This rank's sample indices for {@code epoch}, in visiting order ({@link #numSamples()} of them). */
    int[] indices(int epoch);

    /** How many indices {@link #indices} returns per epoch. */
    int numSamples();

    /** Random permutation of {@code 0..n-1} (Fisher-Yates), the {@code torch.randperm} of these samplers. */
    static int[] randperm(int n, java.util.SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * Makes a global order of {@code order.length} indices a multiple of the world (round-up, repeating it from
     * its start as mmengine does) and takes rank {@code rank}'s share, {@code global[rank::world]}.
     */
    static int[] share(int[] order, int totalSize, int worldSize, int rank) {
        int[] out = new int[totalSize / worldSize];
        for (int k = 0, i = rank; i < totalSize; i += worldSize, k++) out[k] = order[i % order.length];
        return out;
    }
}

package org.jtuner.vision.augment;

import java.util.SplittableRandom;

/**
 * The random generator for one sample's augmentation, a pure function of (run seed, epoch, sample index, stream):
 * every rank and a resumed run draw the same parameters for the same sample, and each epoch draws new ones.
 * {@code stream} keeps independent uses apart (each image of a sample, the text).
 */
public final class AugmentSeed {
    public static final int TEXT_STREAM = -1;

    private AugmentSeed() {}

    public static SplittableRandom generator(long runSeed, int epoch, int sampleIndex, int stream) {
        long h = mix(runSeed ^ 0x6A09E667F3BCC909L);
        h = mix(h ^ epoch);
        h = mix(h ^ sampleIndex);
        h = mix(h ^ stream);
        return new SplittableRandom(h);
    }

    /** SplitMix64's finaliser: every input bit reaches every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package org.jtuner.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jtuner.text.augment.TextAugmenter;
import org.jtuner.vision.augment.AugmentSeed;

/**
 * The dataset's samples with {@code data.augment.text} applied: each epoch, sample {@code index}'s row is
 * augmented (every human turn with the gpt turn that answers it, by {@link TextAugmenter}) with a generator keyed by
 * (run seed, epoch, index) as the image ops are, then templated and encoded again. So every rank and a resumed run
 * see the same text, and two epochs see different text. A row whose augmented form cannot be encoded (it would no
 * longer fit, say) is used as read.
 */
public final class TextAugmentedSamples {
    private final LlavaDataset dataset;
    private final RowEncoder encoder;
    private final TextAugmenter augmenter;
    private final long seed;

    public TextAugmentedSamples(LlavaDataset dataset, RowEncoder encoder, TextAugmenter augmenter, long seed) {
        if (!dataset.hasRows()) throw new IllegalArgumentException("text augmentation needs a dataset built with keepRows(true)");
        this.dataset = dataset;
        this.encoder = encoder;
        this.augmenter = augmenter;
        this.seed = seed;
    }

    /** Sample {@code index} as epoch {@code epoch} trains it. */
    public EncodedSample get(int epoch, int index) {
        RawSample row = augmentedRow(epoch, index);
        SampleEncoder.Result r = encoder.encode(row);
        return r.kept() ? r.sample() : dataset.get(index);
    }

    /** The row of sample {@code index} after this epoch's text augmentation. */
    public RawSample augmentedRow(int epoch, int index) {
        RawSample row = dataset.row(index);
        SplittableRandom rng = AugmentSeed.generator(seed, epoch, index, AugmentSeed.TEXT_STREAM);
        List<RawSample.Message> in = row.conversations(), out = new ArrayList<>(in);
        for (int k = 0; k + 1 < in.size(); k++) {
            RawSample.Message q = in.get(k), a = in.get(k + 1);
            if (!q.from().equals("human") || !a.from().equals("gpt")) continue;
            TextAugmenter.Result r = augmenter.augment(q.value(), a.value(), rng);
            out.set(k, new RawSample.Message(q.from(), r.question()));
            out.set(k + 1, new RawSample.Message(a.from(), r.answer()));
            k++;
        }
        return new RawSample(row.source(), row.images(), out);
    }
}

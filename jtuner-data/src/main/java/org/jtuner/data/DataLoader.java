package org.jtuner.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.jtuner.data.sampler.Sampler;
import org.jtuner.vision.PixelValues;

/**
 * LLaVA's data loader: the {@link BatchLoader} machinery (sampler order, workers decoding the batches ahead,
 * {@code on_bad_sample}, text augmentation) with images as CLIP pixels ({@link ImageLoader}) and rows collated by
 * XTuner's {@link Collator} into {@link Batch}es.
 */
public final class DataLoader extends BatchLoader<PixelValues, Batch> {
    /**
     * @param numWorkers threads decoding images; 0 decodes on the calling thread
     * @param log        receives a line per skipped sample (called on the thread that iterates)
     */
    public DataLoader(LlavaDataset dataset, Sampler sampler, int batchSize, ImageLoader images, Collator collator,
                      int numWorkers, OnBadSample onBadSample, Consumer<String> log) {
        this(dataset, sampler, batchSize, images, collator, numWorkers, numWorkers == 0 ? 1 : 2 * numWorkers, onBadSample, log);
    }

    /** @param prefetchBatches batches decoded ahead of the one being consumed (PyTorch: prefetch_factor x workers) */
    public DataLoader(LlavaDataset dataset, Sampler sampler, int batchSize, ImageLoader images, Collator collator,
                      int numWorkers, int prefetchBatches, OnBadSample onBadSample, Consumer<String> log) {
        this(dataset, null, sampler, batchSize, images, collator, numWorkers, prefetchBatches, onBadSample, log);
    }

    /** @param textAugmented the samples with text augmentation (null: the dataset's samples as encoded) */
    public DataLoader(LlavaDataset dataset, TextAugmentedSamples textAugmented, Sampler sampler, int batchSize, ImageLoader images,
                      Collator collator, int numWorkers, int prefetchBatches, OnBadSample onBadSample, Consumer<String> log) {
        super(dataset, textAugmented, sampler, batchSize, nonNull(images)::load, collateWith(collator), numWorkers,
                prefetchBatches, onBadSample, log);
    }

    private static ImageLoader nonNull(ImageLoader images) {
        return java.util.Objects.requireNonNull(images, "images");
    }

    private static RowCollator<PixelValues, Batch> collateWith(Collator collator) {
        java.util.Objects.requireNonNull(collator, "collator");
        return (epoch, step, rows) -> {
            List<Collator.Row> out = new ArrayList<>(rows.size());
            for (Row<PixelValues> r : rows) out.add(new Collator.Row(r.index(), r.sample(), r.images()));
            return collator.collate(epoch, step, out);
        };
    }
}

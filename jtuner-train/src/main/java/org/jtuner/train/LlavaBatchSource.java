package org.jtuner.train;

import org.jtuner.data.Batch;
import org.jtuner.data.DataLoader;

/**
 * The trainer's batches from the data layer's prefetching loader: iteration i is step i % perEpoch of epoch
 * i / perEpoch. Consecutive iterations stream from one open epoch; a jump (a resume) reopens the epoch at the step.
 */
public final class LlavaBatchSource implements BatchSource {
    private final DataLoader loader;
    private final long perEpoch;
    private DataLoader.Epoch current;
    private long next = -1;

    public LlavaBatchSource(DataLoader loader) {
        this.loader = loader;
        this.perEpoch = loader.batchesPerEpoch();
        if (perEpoch == 0) throw new IllegalArgumentException("the dataset gives no batch: no usable sample");
    }

    @Override
    public long batchesPerEpoch() {
        return perEpoch;
    }

    @Override
    public Batch batch(long iteration) {
        int epoch = (int) (iteration / perEpoch), step = (int) (iteration % perEpoch);
        if (current == null || iteration != next || !current.hasNext()) {
            if (current != null) current.close();
            current = loader.epoch(epoch, step);
        }
        next = iteration + 1;
        return current.next();
    }

    @Override
    public long skippedSamples() {
        return loader.skipped();
    }

    @Override
    public void close() {
        if (current != null) current.close();
        loader.close();
    }
}

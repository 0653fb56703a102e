package org.jtuner.train;

import org.jtuner.data.Batch;
import org.jtuner.data.DataLoader;

/** The trainer's LLaVA batches from the data layer's prefetching loader, by global iteration ({@link LoaderIterations}). */
public final class LlavaBatchSource implements BatchSource {
    private final LoaderIterations<Batch> iterations;

    public LlavaBatchSource(DataLoader loader) {
        this.iterations = new LoaderIterations<>(loader);
    }

    @Override
    public long batchesPerEpoch() {
        return iterations.batchesPerEpoch();
    }

    @Override
    public Batch batch(long iteration) {
        return iterations.batch(iteration);
    }

    @Override
    public long skippedSamples() {
        return iterations.skipped();
    }

    @Override
    public void close() {
        iterations.close();
    }
}

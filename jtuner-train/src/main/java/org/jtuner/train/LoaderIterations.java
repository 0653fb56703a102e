package org.jtuner.train;

import org.jtuner.data.BatchLoader;

/**
 * A loader's batches by global iteration: iteration i is step i % perEpoch of epoch i / perEpoch. Consecutive
 * iterations stream from one open epoch; a jump (a resume) reopens the epoch at the step.
 */
final class LoaderIterations<B> implements AutoCloseable {
    private final BatchLoader<?, B> loader;
    private final long perEpoch;
    private BatchLoader<?, B>.Epoch current;
    private long next = -1;

    LoaderIterations(BatchLoader<?, B> loader) {
        this.loader = loader;
        this.perEpoch = loader.batchesPerEpoch();
        if (perEpoch == 0) throw new IllegalArgumentException("the dataset gives no batch: no usable sample");
    }

    long batchesPerEpoch() {
        return perEpoch;
    }

    B batch(long iteration) {
        int epoch = (int) (iteration / perEpoch), step = (int) (iteration % perEpoch);
        if (current == null || iteration != next || !current.hasNext()) {
            if (current != null) current.close();
            current = loader.epoch(epoch, step);
        }
        next = iteration + 1;
        return current.next();
    }

    long skipped() {
        return loader.skipped();
    }

    @Override
    public void close() {
        if (current != null) current.close();
        loader.close();
    }
}

package org.jtuner.data;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.jtuner.data.sampler.Sampler;
import org.jtuner.vision.ImageReadException;

/**
 * The loading machinery shared by every model family: yields collated batches in sampler order while {@code numWorkers} threads decode and preprocess the images of
 * the batches ahead (PyTorch's DataLoader with workers, in threads). At most {@code prefetchBatches} batches are in
 * flight, so memory stays bounded; each sample's images are one task, and a batch is collated when all its samples
 * are ready. What a batch holds depends only on the sampler's order, never on which worker finished first.
 * With {@code numWorkers = 0} everything runs on the calling thread. What an image becomes ({@code P}: CLIP pixels,
 * mllama tiles) and how rows become a batch ({@code B}) are given; {@link DataLoader} is LLaVA's.
 *
 * <p>An image that cannot be read at this point (deleted, damaged since the dataset was checked) follows
 * {@code on_bad_sample}: {@code fail} throws {@link BadSampleException} from {@code next()}; {@code skip} logs it and
 * leaves the row out of its batch. A batch with no row left is still yielded, empty (LLaVA: {@link Batch#isEmpty()}), so
 * that every rank of a distributed run takes the same number of steps (the trainer runs no forward for it but
 * still joins the gradient all-reduce, with zeros).
 */
public class BatchLoader<P, B> implements AutoCloseable {
    /** Turns image {@code imageNumber} of sample {@code sampleIndex} into what the model takes, for {@code epoch}. */
    @FunctionalInterface
    public interface Images<P> {
        P load(java.nio.file.Path image, int epoch, int sampleIndex, int imageNumber) throws ImageReadException;
    }

    /** One row to collate: the encoded sample and its images, in its image order. */
    public record Row<P>(int index, EncodedSample sample, List<P> images) {}

    /** Collates rows (possibly none: then an empty batch) into step {@code step} of {@code epoch}. */
    @FunctionalInterface
    public interface RowCollator<P, B> {
        B collate(int epoch, int step, List<Row<P>> rows);
    }

    private final LlavaDataset dataset;
    private final Sampler sampler;
    private final int batchSize;
    private final Images<P> images;
    private final RowCollator<P, B> collator;
    private final int prefetchBatches;
    private final OnBadSample onBadSample;
    private final Consumer<String> log;
    private final ExecutorService pool;
    private final TextAugmentedSamples textAugmented;
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param textAugmented   the samples with text augmentation (null: the dataset's samples as encoded)
     * @param numWorkers      threads decoding images; 0 decodes on the calling thread
     * @param prefetchBatches batches decoded ahead of the one being consumed (PyTorch: prefetch_factor x workers)
     * @param log             receives a line per skipped sample (called on the thread that iterates)
     */
    public BatchLoader(LlavaDataset dataset, TextAugmentedSamples textAugmented, Sampler sampler, int batchSize, Images<P> images,
                       RowCollator<P, B> collator, int numWorkers, int prefetchBatches, OnBadSample onBadSample, Consumer<String> log) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        if (numWorkers < 0) throw new IllegalArgumentException("num_workers must be 0 or more, got " + numWorkers);
        if (prefetchBatches < 1) throw new IllegalArgumentException("prefetch must be at least 1 batch, got " + prefetchBatches);
        this.dataset = Objects.requireNonNull(dataset, "dataset");
        this.textAugmented = textAugmented;
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.batchSize = batchSize;
        this.images = Objects.requireNonNull(images, "images");
        this.collator = Objects.requireNonNull(collator, "collator");
        this.prefetchBatches = prefetchBatches;
        this.onBadSample = Objects.requireNonNull(onBadSample, "onBadSample");
        this.log = Objects.requireNonNull(log, "log");
        this.pool = numWorkers == 0 ? null : Executors.newFixedThreadPool(numWorkers, daemonThreads("jtuner-data-worker"));
    }

    /** Batches per epoch on this rank: {@code ceil(sampler.numSamples() / batchSize)} (the last may be smaller). */
    public int batchesPerEpoch() {
        return (sampler.numSamples() + batchSize - 1) / batchSize;
    }

    /** Samples left out of batches so far because their images could not be read (under {@code skip}). */
    public long skipped() {
        return skipped.get();
    }

    public Epoch epoch(int epoch) {
        return epoch(epoch, 0);
    }

    /** The batches of {@code epoch} from step {@code startStep} on (resuming after step {@code startStep - 1}). */
    public Epoch epoch(int epoch, int startStep) {
        return new Epoch(epoch, startStep);
    }

    /** Stops the workers. */
    @Override
    public void close() {
        closed = true;
        if (pool != null) pool.shutdownNow();
    }

    /** The batches of one epoch, in order. Close it to drop the batches decoded ahead. */
    public final class Epoch implements Iterator<B>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int steps;
        private final ArrayDeque<CompletableFuture<Assembled<B>>> inFlight = new ArrayDeque<>();
        private int nextStep;
        private B ready;
        private boolean closed;

        private Epoch(int epoch, int startStep) {
            this.epoch = epoch;
            this.order = sampler.indices(epoch);
            this.steps = (order.length + batchSize - 1) / batchSize;
            if (startStep < 0 || startStep > steps) throw new IllegalArgumentException("start step " + startStep + " outside 0.." + steps);
            this.nextStep = startStep;
        }

        /** Batches in this epoch, counting those before the start step. */
        public int steps() {
            return steps;
        }

        @Override
        public boolean hasNext() {
            if (BatchLoader.this.closed && ready == null && !closed) throw new IllegalStateException("the data loader is closed");
            while (ready == null && !closed && (!inFlight.isEmpty() || nextStep < steps)) {
                fill();
                Assembled<B> a = join(inFlight.removeFirst());
                fill();
                for (Problem p : a.problems()) {
                    if (onBadSample == OnBadSample.FAIL) {
                        close();
                        throw new BadSampleException(p);
                    }
                    skipped.incrementAndGet();
                    log.accept("skipped " + p);
                }
                ready = a.batch();
            }
            return ready != null;
        }

        @Override
        public B next() {
            if (!hasNext()) throw new NoSuchElementException();
            B b = ready;
            ready = null;
            return b;
        }

        private void fill() {
            while (inFlight.size() < prefetchBatches && nextStep < steps) inFlight.addLast(submit(nextStep++));
        }

        private CompletableFuture<Assembled<B>> submit(int step) {
            int[] indices = Arrays.copyOfRange(order, step * batchSize, Math.min(order.length, (step + 1) * batchSize));
            if (pool == null) return CompletableFuture.completedFuture(assemble(step, loadAll(indices)));
            List<CompletableFuture<Loaded<P>>> rows = new ArrayList<>(indices.length);
            for (int index : indices) rows.add(CompletableFuture.supplyAsync(() -> load(epoch, index), pool));
            return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new))
                    .thenApplyAsync(v -> assemble(step, rows.stream().map(CompletableFuture::join).toList()), pool);
        }

        private List<Loaded<P>> loadAll(int[] indices) {
            List<Loaded<P>> out = new ArrayList<>(indices.length);
            for (int index : indices) out.add(load(epoch, index));
            return out;
        }

        private Assembled<B> assemble(int step, List<Loaded<P>> loaded) {
            List<Row<P>> rows = new ArrayList<>(loaded.size());
            List<Problem> problems = new ArrayList<>();
            for (Loaded<P> l : loaded) {
                if (l.problem() != null) problems.add(l.problem()); else rows.add(l.row());
            }
            return new Assembled<>(collator.collate(epoch, step, rows), problems);
        }

        @Override
        public void close() {
            closed = true;
            for (CompletableFuture<Assembled<B>> f : inFlight) f.cancel(false);
            inFlight.clear();
        }
    }

    private record Loaded<P>(Row<P> row, Problem problem) {}

    private record Assembled<B>(B batch, List<Problem> problems) {}

    /** Expands sample {@code index} and decodes its images for {@code epoch} (a worker task). */
    private Loaded<P> load(int epoch, int index) {
        EncodedSample sample = textAugmented == null ? dataset.get(index) : textAugmented.get(epoch, index);
        List<P> pixels = new ArrayList<>(sample.images().size());
        for (var image : sample.images()) {
            try {
                pixels.add(images.load(image, epoch, index, pixels.size()));
            } catch (ImageReadException e) {
                return new Loaded<>(null, new Problem(ProblemKind.UNREADABLE_IMAGE, sample.source(), e.getMessage()));
            } catch (RuntimeException e) {
                return new Loaded<>(null, new Problem(ProblemKind.UNREADABLE_IMAGE, sample.source(), image + ": " + e));
            }
        }
        return new Loaded<>(new Row<>(index, sample, pixels), null);
    }

    private static <B> Assembled<B> join(CompletableFuture<Assembled<B>> f) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw e;
        }
    }

    /** Daemon threads named {@code prefix-N}, so that a forgotten loader does not keep the JVM alive. */
    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}

package org.jtuner.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import org.jtuner.vision.ImageReadException;

/**
 * XTuner's {@code LLaVADataset} text side: every row of the data files (concatenated in order) read, mapped,
 * templated and encoded once, up front, so that sample lengths are known to the sampler and bad rows are found
 * before training starts. Images are only checked here (that the file exists; decoded too when asked); they are
 * decoded for training by the {@link DataLoader}'s workers.
 *
 * <p>Bad input follows {@code on_bad_sample}: {@code fail} throws {@link BadSampleException} for the first bad row
 * in file order; {@code skip} logs and counts it and goes on. Samples dropped by XTuner's rules (nothing to train
 * on, truncation through an image) are always logged and counted, never an error. Immutable once built.
 */
public final class LlavaDataset {
    private final PackedSample[] samples;
    private final RawSample[] rows;
    private final DatasetReport report;
    private final int imageTokenIndex;
    private final int imageSeqLength;

    private LlavaDataset(PackedSample[] samples, RawSample[] rows, DatasetReport report, int imageTokenIndex, int imageSeqLength) {
        this.samples = samples;
        this.rows = rows;
        this.report = report;
        this.imageTokenIndex = imageTokenIndex;
        this.imageSeqLength = imageSeqLength;
    }

    /** A builder encoding rows with {@code encoder} (LLaVA's {@link SampleEncoder}, or another family's). */
    public static Builder builder(List<Path> files, RowEncoder encoder) {
        return new Builder(files, encoder);
    }

    /** Number of samples kept. */
    public int size() {
        return samples.length;
    }

    /** Sample {@code index} (0-based, in file order) with its image tokens expanded. */
    public EncodedSample get(int index) {
        return samples[index].unpack(imageTokenIndex, imageSeqLength);
    }

    /** The row sample {@code index} was encoded from; only kept when the builder was asked to ({@link Builder#keepRows}). */
    public RawSample row(int index) {
        if (rows == null) throw new IllegalStateException("the dataset was built without keepRows()");
        return rows[index];
    }

    public boolean hasRows() {
        return rows != null;
    }

    /** The image files of sample {@code index}, without expanding it. */
    public List<Path> images(int index) {
        return samples[index].images();
    }

    public SourceRef source(int index) {
        return samples[index].source();
    }

    /** Length of sample {@code index} in tokens, image tokens included. */
    public int length(int index) {
        return samples[index].length();
    }

    /** XTuner's {@code modality_length}: per sample its token count, negative for text-only samples. */
    public int[] modalityLengths() {
        int[] out = new int[samples.length];
        for (int i = 0; i < out.length; i++) out[i] = samples[i].modalityLength();
        return out;
    }

    public DatasetReport report() {
        return report;
    }

    public int imageTokenIndex() {
        return imageTokenIndex;
    }

    public int imageSeqLength() {
        return imageSeqLength;
    }

    /** Reads and encodes the files. */
    public static final class Builder {
        private static final int CHUNK = 1024;

        private final List<Path> files;
        private final RowEncoder encoder;
        private OnBadSample onBadSample = OnBadSample.FAIL;
        private ImageLoader verifier;
        private int workers;
        private Consumer<String> log = s -> {};
        private Consumer<Problem> listener = p -> {};
        private int limit = Integer.MAX_VALUE;
        private boolean keepRows;

        private Builder(List<Path> files, RowEncoder encoder) {
            this.files = List.copyOf(files);
            this.encoder = Objects.requireNonNull(encoder, "encoder");
        }

        public Builder onBadSample(OnBadSample mode) {
            this.onBadSample = Objects.requireNonNull(mode);
            return this;
        }

        /** Decodes every image with {@code loader} while building (else only their existence is checked). */
        public Builder verifyImages(ImageLoader loader) {
            this.verifier = loader;
            return this;
        }

        /** Threads that encode rows and check images in parallel; 0 or 1 does it on the calling thread. */
        public Builder workers(int n) {
            this.workers = n;
            return this;
        }

        /** Stops reading once {@code maxSamples} samples are kept (for looking at the first samples of a large set). */
        public Builder limit(int maxSamples) {
            if (maxSamples < 1) throw new IllegalArgumentException("limit must be at least 1, got " + maxSamples);
            this.limit = maxSamples;
            return this;
        }

        /** Receives a line for every sample left out or truncated, and the summary at the end. */
        public Builder log(Consumer<String> log) {
            this.log = Objects.requireNonNull(log);
            return this;
        }

        /** Keeps each kept sample's row as read, so that it can be encoded again (text augmentation does, per epoch). */
        public Builder keepRows(boolean on) {
            this.keepRows = on;
            return this;
        }

        /** Receives every problem in file order (check-dataset collects them). */
        public Builder problems(Consumer<Problem> listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /**
         * @throws IOException         when a data file cannot be read
         * @throws BadSampleException  under {@code fail}, for the first bad row
         */
        public LlavaDataset build() throws IOException {
            DatasetReport report = new DatasetReport();
            List<PackedSample> kept = new ArrayList<>();
            List<RawSample> keptRows = new ArrayList<>();
            ExecutorService pool = workers > 1 ? Executors.newFixedThreadPool(workers, DataLoader.daemonThreads("jtuner-data-encode")) : null;
            try {
                for (Path file : files) {
                    if (kept.size() >= limit) break;
                    if (!Files.isRegularFile(file)) throw new java.io.FileNotFoundException(file + " (data.files)");
                    report.file();
                    List<Object> chunk = new ArrayList<>(CHUNK);
                    int chunkSize = limit == Integer.MAX_VALUE ? CHUNK : Math.min(CHUNK, Math.max(16, limit));
                    try {
                        LlavaJsonReader.read(file, new LlavaJsonReader.Sink() {
                            @Override
                            public void sample(RawSample sample) {
                                add(sample);
                            }

                            @Override
                            public void problem(Problem problem) {
                                add(problem);
                            }

                            private void add(Object item) {
                                chunk.add(item);
                                if (chunk.size() < chunkSize) return;
                                flush(chunk, pool, report, kept, keptRows);
                                if (kept.size() >= limit) throw new LimitReached();
                            }
                        });
                        flush(chunk, pool, report, kept, keptRows);
                    } catch (LimitReached stop) {
                        break;
                    }
                }
            } finally {
                if (pool != null) pool.shutdownNow();
            }
            log.accept("dataset: " + report.summary());
            return new LlavaDataset(kept.toArray(PackedSample[]::new), keepRows ? keptRows.toArray(RawSample[]::new) : null, report, encoder.imageTokenIndex(), encoder.imageSeqLength());
        }

        /** Encodes a chunk of rows (in parallel when there is a pool) and takes the results in row order. */
        private void flush(List<Object> chunk, ExecutorService pool, DatasetReport report, List<PackedSample> kept,
                           List<RawSample> keptRows) {
            if (chunk.isEmpty()) return;
            List<Outcome> outcomes = new ArrayList<>(chunk.size());
            if (pool == null) {
                for (Object item : chunk) outcomes.add(process(item));
            } else {
                List<Future<Outcome>> futures = new ArrayList<>(chunk.size());
                for (Object item : chunk) futures.add(pool.submit(() -> process(item)));
                for (Future<Outcome> f : futures) outcomes.add(join(f));
            }
            chunk.clear();
            for (Outcome o : outcomes) {
                if (kept.size() >= limit) break;
                report.row();
                for (Problem p : o.problems) {
                    report.problem(p);
                    listener.accept(p);
                    if (p.kind().isBadInput() && onBadSample == OnBadSample.FAIL) throw new BadSampleException(p);
                    if (o.sample == null || p.kind() != ProblemKind.TRUNCATED) log.accept((o.sample == null ? "skipped " : "") + p);
                }
                if (o.sample != null) {
                    kept.add(o.sample);
                    if (keepRows) keptRows.add(o.row);
                    report.kept(new DatasetReport.EncodedSampleStats(o.sample.images().size(), o.sample.length(), trained(o.sample)));
                }
            }
        }

        private static int trained(PackedSample s) {
            int n = 0;
            for (int v : s.packed()) if (v < 0 && v != PackedSample.IMAGE) n++;
            return n;
        }

        private record Outcome(PackedSample sample, List<Problem> problems, RawSample row) {
            Outcome(PackedSample sample, List<Problem> problems) {
                this(sample, problems, null);
            }
        }

        /** Unwinds the reader once the limit is reached. */
        private static final class LimitReached extends RuntimeException {
            LimitReached() {
                super(null, null, false, false);
            }
        }

        private Outcome process(Object item) {
            if (item instanceof Problem p) return new Outcome(null, List.of(p));
            RawSample row = (RawSample) item;
            SampleEncoder.Packed r = encoder instanceof SampleEncoder llava ? llava.encodePacked(row) : packed(encoder.encode(row));
            if (r.sample() == null) return new Outcome(null, List.of(r.problem()));
            List<Problem> problems = new ArrayList<>(2);
            if (r.problem() != null) problems.add(r.problem());
            for (Path image : r.sample().images()) {
                Problem bad = checkImage(row.source(), image);
                if (bad != null) {
                    problems.add(bad);
                    return new Outcome(null, problems);
                }
            }
            return new Outcome(r.sample(), problems, row);
        }

        private SampleEncoder.Packed packed(SampleEncoder.Result r) {
            return new SampleEncoder.Packed(r.sample() == null ? null : PackedSample.pack(r.sample(), encoder.imageSeqLength()), r.problem());
        }

        private Problem checkImage(SourceRef source, Path image) {
            if (!Files.isRegularFile(image)) {
                return new Problem(ProblemKind.MISSING_IMAGE, source, image + (Files.exists(image) ? " is not a file" : " does not exist"));
            }
            if (verifier == null) return null;
            try {
                verifier.load(image);
                return null;
            } catch (ImageReadException e) {
                return new Problem(ProblemKind.UNREADABLE_IMAGE, source, e.getMessage());
            } catch (RuntimeException e) {
                return new Problem(ProblemKind.UNREADABLE_IMAGE, source, image + ": " + e);
            }
        }

        private static Outcome join(Future<Outcome> f) {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the dataset", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException r) throw r;
                if (c instanceof Error err) throw err;
                throw new IllegalStateException(c);
            }
        }
    }
}

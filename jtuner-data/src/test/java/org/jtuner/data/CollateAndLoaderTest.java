package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jtuner.data.TestData.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.jtuner.data.sampler.LengthGroupedSampler;
import org.jtuner.data.sampler.ShuffleSampler;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.vision.PixelValues;

class CollateAndLoaderTest {
    @TempDir
    Path dir;

    @Test
    void collatePadsRightMasksByLengthAndStacksOnlyThePresentImages() {
        SampleEncoder enc = new SampleEncoder(tokenizer(), "vicuna", IMAGE, 3, 4096, Path.of("/i"));
        EncodedSample text = enc.encode(new RawSample(new SourceRef(Path.of("d"), 1, "t"), List.of(),
                List.of(new RawSample.Message("human", "Hi"), new RawSample.Message("gpt", "Yo")))).sample();
        EncodedSample two = enc.encode(new RawSample(new SourceRef(Path.of("d"), 2, "m"), List.of("a.png", "b.png"),
                List.of(new RawSample.Message("human", "<image><image>Which?"), new RawSample.Message("gpt", "Both")))).sample();
        PixelValues pa = new PixelValues(2, 2, new float[] {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
        PixelValues pb = new PixelValues(2, 2, new float[] {4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6});
        Batch b = new Collator(PAD).collate(0, 0, List.of(new Collator.Row(7, text, List.of()), new Collator.Row(9, two, List.of(pa, pb))));

        int t = Math.max(text.length(), two.length());
        assertThat(b.rows()).isEqualTo(2);
        assertThat(b.seqLen()).isEqualTo(t);
        assertThat(b.sampleIndices()).containsExactly(7, 9);
        assertThat(b.lengths()).containsExactly(text.length(), two.length());
        for (int r = 0; r < 2; r++) {
            EncodedSample s = r == 0 ? text : two;
            for (int i = 0; i < t; i++) {
                int k = r * t + i;
                boolean real = i < s.length();
                assertThat(b.inputIds()[k]).isEqualTo(real ? s.inputIds()[i] : PAD);
                assertThat(b.labels()[k]).isEqualTo(real ? s.labels()[i] : -100);
                assertThat(b.attentionMask()[k]).isEqualTo(real ? 1 : 0);
                assertThat(b.positionIds()[k]).isEqualTo(i);
            }
        }
        // Two images, both from row 1, in order; the text-only row adds none.
        assertThat(b.pixels().shape()).containsExactly(2, 3, 2, 2);
        assertThat(b.pixels().rows()).containsExactly(1, 1);
        assertThat(b.pixels().data()).containsExactly(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6);

        try (Scope scope = Scope.open(); Batch.Tensors tensors = b.toTensors()) {
            assertThat(tensors.inputIds().shape()).containsExactly(2, t);
            assertThat(tensors.inputIds().dtype()).isEqualTo(DType.I32);
            assertThat(tensors.attentionMask().shape()).containsExactly(2, t);
            assertThat(tensors.pixelValues().shape()).containsExactly(2, 3, 2, 2);
        }
        Batch textOnly = new Collator(PAD).collate(0, 1, List.of(new Collator.Row(7, text, List.of())));
        assertThat(textOnly.pixels()).isNull();
        assertThat(textOnly.hasImages()).isFalse();
        try (Scope scope = Scope.open(); Batch.Tensors tensors = textOnly.toTensors()) {
            assertThat(tensors.pixelValues()).as("no pixel tensor for a text-only batch").isNull();
        }
    }

    /** The counting-encoder proof: text-only batches carry no pixels, decode no image and cost the encoder nothing. */
    @Test
    void textOnlyBatchesNeverTouchTheVisionEncoder() throws Exception {
        LoaderFixture f = new LoaderFixture(dir, 12, 30);
        AtomicInteger decoded = new AtomicInteger();
        ClipImageLoader clip = f.imageLoader();
        ImageLoader counting = p -> {
            decoded.incrementAndGet();
            return clip.load(p);
        };
        DataConfig config = f.config().withBatching(4, 2);
        LlavaData data = LlavaData.open(config, tokenizer(), counting, s -> {});
        VisionEncoderCounter encoder = new VisionEncoderCounter(IMAGE, 3);
        int textOnlyBatches = 0;
        int mixedBatches = 0;
        int imagesVisited = 0;
        try (DataLoader loader = data.loader(1, 0, 42, s -> {}); DataLoader.Epoch epoch = loader.epoch(0)) {
            while (epoch.hasNext()) {
                Batch b = epoch.next();
                int before = encoder.calls;
                int rowsWithImages = 0;
                for (int idx : b.sampleIndices()) {
                    imagesVisited += data.dataset().images(idx).size();
                    if (!data.dataset().images(idx).isEmpty()) rowsWithImages++;
                }
                encoder.forward(b);
                if (rowsWithImages == 0) {
                    textOnlyBatches++;
                    assertThat(b.pixels()).isNull();
                    assertThat(encoder.calls).as("no encoder call for a text-only batch").isEqualTo(before);
                } else {
                    if (rowsWithImages < b.rows()) mixedBatches++;
                    // Only the image rows' images, not one blank image per text-only row as XTuner feeds.
                    int expected = Arrays.stream(b.sampleIndices()).map(i -> data.dataset().images(i).size()).sum();
                    assertThat(b.pixels().count()).isEqualTo(expected);
                }
            }
        }
        assertThat(textOnlyBatches).isPositive();
        assertThat(mixedBatches).as("the leftover batch mixes modalities").isLessThanOrEqualTo(2);
        assertThat(encoder.images).isEqualTo(imagesVisited);
        assertThat(decoded.get()).as("images decoded: only those of image rows").isEqualTo(imagesVisited);
    }

    /** Same batches with 3 workers and random decode delays as with none: the order is the sampler's. */
    @Test
    void workersDoNotChangeWhatTheBatchesHold() throws Exception {
        LoaderFixture f = new LoaderFixture(dir, 20, 15);
        ClipImageLoader clip = f.imageLoader();
        ImageLoader jittery = p -> {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(4));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return clip.load(p);
        };
        LlavaData data = LlavaData.open(f.config(), tokenizer(), clip, s -> {});
        List<Batch> sequential = collect(new DataLoader(data.dataset(), data.sampler(1, 0, 3), 3, clip, new Collator(), 0,
                OnBadSample.FAIL, s -> {}), 1, 0);
        List<Batch> parallel = collect(new DataLoader(data.dataset(), data.sampler(1, 0, 3), 3, jittery, new Collator(), 3,
                OnBadSample.FAIL, s -> {}), 1, 0);
        assertSameBatches(parallel, sequential);
        // Resuming at step 4 gives the rest of the same epoch.
        List<Batch> resumed = collect(new DataLoader(data.dataset(), data.sampler(1, 0, 3), 3, jittery, new Collator(), 2,
                OnBadSample.FAIL, s -> {}), 1, 4);
        assertSameBatches(resumed, sequential.subList(4, sequential.size()));
        assertThat(resumed.getFirst().step()).isEqualTo(4);
    }

    @Test
    void prefetchIsBounded() throws Exception {
        LoaderFixture f = new LoaderFixture(dir, 40, 0);
        ClipImageLoader clip = f.imageLoader();
        AtomicInteger started = new AtomicInteger();
        ImageLoader counting = p -> {
            started.incrementAndGet();
            return clip.load(p);
        };
        LlavaData data = LlavaData.open(f.config(), tokenizer(), clip, s -> {});
        int batch = 2;
        int prefetch = 3;
        try (DataLoader loader = new DataLoader(data.dataset(), new ShuffleSampler(data.dataset().size(), 1, 0, 0, false, true), batch,
                counting, new Collator(), 2, prefetch, OnBadSample.FAIL, s -> {}); DataLoader.Epoch e = loader.epoch(0)) {
            int consumed = 0;
            while (e.hasNext()) {
                Batch b = e.next();
                Thread.sleep(5);
                consumed += b.imageCount();
                // In flight: at most `prefetch` batches beyond what was handed out (two images per multi-image row).
                assertThat(started.get() - consumed).isLessThanOrEqualTo(prefetch * batch * 2);
            }
        }
    }

    @Test
    void anImageThatBreaksAfterCheckingFollowsOnBadSample() throws Exception {
        LoaderFixture f = new LoaderFixture(dir, 6, 0);
        ClipImageLoader clip = f.imageLoader();
        LlavaData data = LlavaData.open(f.config(), tokenizer(), clip, s -> {});
        Files.write(f.images.resolve("i2.png"), new byte[] {1, 2, 3});
        ShuffleSampler order = new ShuffleSampler(data.dataset().size(), 1, 0, 0, false, true);
        try (DataLoader loader = new DataLoader(data.dataset(), order, 2, clip, new Collator(), 2, OnBadSample.FAIL, s -> {});
             DataLoader.Epoch e = loader.epoch(0)) {
            e.next();
            assertThatThrownBy(e::next).isInstanceOf(BadSampleException.class)
                    .hasMessageContaining(f.data + ":3 (id img2)").hasMessageContaining("unreadable image");
        }
        List<String> log = new ArrayList<>();
        try (DataLoader loader = new DataLoader(data.dataset(), order, 2, clip, new Collator(), 2, OnBadSample.SKIP, log::add)) {
            List<Batch> batches = collect(loader, 0, 0);
            assertThat(batches).extracting(Batch::rows).containsExactly(2, 1, 2);
            assertThat(batches.get(1).sampleIndices()).containsExactly(3);
            assertThat(loader.skipped()).isEqualTo(1);
            assertThat(log).singleElement().asString().startsWith("skipped " + f.data + ":3 (id img2): unreadable image");
        }
    }

    /** Under skip, a batch whose every row fails is still yielded, empty, so that all ranks take the same steps. */
    @Test
    void aBatchWithEveryRowSkippedIsYieldedEmpty() throws Exception {
        LoaderFixture f = new LoaderFixture(dir, 4, 0);
        ClipImageLoader clip = f.imageLoader();
        LlavaData data = LlavaData.open(f.config(), tokenizer(), clip, s -> {});
        Files.write(f.images.resolve("i0.png"), new byte[] {0});
        Files.write(f.images.resolve("i1.png"), new byte[] {0});
        ShuffleSampler order = new ShuffleSampler(data.dataset().size(), 1, 0, 0, false, true);
        DataLoader loader = new DataLoader(data.dataset(), order, 2, clip, new Collator(), 1, OnBadSample.SKIP, s -> {});
        List<Batch> batches = collect(loader, 0, 0);
        assertThat(batches).extracting(Batch::rows).containsExactly(0, 2);
        assertThat(batches.getFirst().isEmpty()).isTrue();
        assertThat(batches.getFirst().pixels()).isNull();
        assertThat(batches.getFirst().step()).isZero();
        assertThat(loader.skipped()).isEqualTo(2);
        // A closed loader refuses to go on rather than wait for work that will never be done.
        DataLoader closed = new DataLoader(data.dataset(), order, 2, clip, new Collator(), 1, OnBadSample.SKIP, s -> {});
        DataLoader.Epoch e = closed.epoch(0);
        closed.close();
        assertThatThrownBy(e::hasNext).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lengthGroupedLoaderPutsTheLongestBatchFirst() throws Exception {
        LoaderFixture f = new LoaderFixture(dir, 16, 16);
        LlavaData data = LlavaData.open(f.config().withBatching(4, 0), tokenizer(), f.imageLoader(), s -> {});
        assertThat(data.sampler(1, 0, 1)).isInstanceOf(LengthGroupedSampler.class);
        int longest = Arrays.stream(data.dataset().modalityLengths()).map(Math::abs).max().orElseThrow();
        try (DataLoader loader = data.loader(1, 0, 1, s -> {})) {
            Batch first = loader.epoch(0).next();
            assertThat(first.seqLen()).isEqualTo(longest);
            assertThat(loader.batchesPerEpoch()).isEqualTo(8);
        }
    }

    private static List<Batch> collect(DataLoader loader, int epoch, int start) {
        List<Batch> out = new ArrayList<>();
        try (loader; DataLoader.Epoch e = loader.epoch(epoch, start)) {
            e.forEachRemaining(out::add);
        }
        return out;
    }

    private static void assertSameBatches(List<Batch> actual, List<Batch> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.size(); i++) {
            Batch a = actual.get(i);
            Batch b = expected.get(i);
            assertThat(a.step()).isEqualTo(b.step());
            assertThat(a.sampleIndices()).isEqualTo(b.sampleIndices());
            assertThat(a.inputIds()).isEqualTo(b.inputIds());
            assertThat(a.labels()).isEqualTo(b.labels());
            assertThat(a.attentionMask()).isEqualTo(b.attentionMask());
            assertThat(a.pixels() == null).isEqualTo(b.pixels() == null);
            if (a.pixels() != null) {
                assertThat(a.pixels().data()).isEqualTo(b.pixels().data());
                assertThat(a.pixels().rows()).isEqualTo(b.pixels().rows());
            }
        }
    }
}

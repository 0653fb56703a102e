package org.jtuner.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.vision.PixelValues;

/**
 * XTuner's {@code default_collate_fn}: rows right-padded to the longest ({@code input_ids} with the pad id, labels
 * with -100), the attention mask from the true lengths (so a pad id equal to EOS is harmless), position ids
 * {@code 0..seqLen-1} on every row. Unlike XTuner, pixels are stacked only for the images present: a text-only row
 * contributes none and a batch without images has none, so the vision encoder never runs on a blank image.
 */
public final class Collator {
    /** XTuner's {@code DEFAULT_PAD_TOKEN_INDEX}. */
    public static final int DEFAULT_PAD_TOKEN_ID = 0;

    private final int padTokenId;

    public Collator(int padTokenId) {
        this.padTokenId = padTokenId;
    }

    public Collator() {
        this(DEFAULT_PAD_TOKEN_ID);
    }

    /** One row to collate: the encoded sample and its images' pixels, in its image order. */
    public record Row(int index, EncodedSample sample, List<PixelValues> pixels) {
        public Row {
            if (pixels.size() != sample.images().size()) {
                throw new IllegalArgumentException(sample.source() + ": " + pixels.size() + " pixel tensors for " + sample.images().size() + " images");
            }
        }
    }

    /** The rows as one batch; no rows give an empty batch (0 rows, sequence length 0, no pixels). */
    public Batch collate(int epoch, int step, List<Row> rows) {
        int n = rows.size();
        int seqLen = 0;
        int images = 0;
        for (Row r : rows) {
            seqLen = Math.max(seqLen, r.sample().length());
            images += r.pixels().size();
        }
        int[] ids = new int[n * seqLen];
        int[] labels = new int[n * seqLen];
        int[] mask = new int[n * seqLen];
        int[] positions = new int[n * seqLen];
        int[] lengths = new int[n];
        int[] indices = new int[n];
        List<SourceRef> sources = new ArrayList<>(n);
        Arrays.fill(ids, padTokenId);
        Arrays.fill(labels, EncodedSample.IGNORE_INDEX);
        for (int b = 0; b < n; b++) {
            EncodedSample s = rows.get(b).sample();
            int len = s.length();
            System.arraycopy(s.inputIds(), 0, ids, b * seqLen, len);
            System.arraycopy(s.labels(), 0, labels, b * seqLen, len);
            Arrays.fill(mask, b * seqLen, b * seqLen + len, 1);
            for (int t = 0; t < seqLen; t++) positions[b * seqLen + t] = t;
            lengths[b] = len;
            indices[b] = rows.get(b).index();
            sources.add(s.source());
        }
        Batch.Pixels pixels = images == 0 ? null : stack(rows, images);
        return new Batch(epoch, step, indices, List.copyOf(sources), n, seqLen, ids, labels, mask, positions, lengths, pixels);
    }

    private static Batch.Pixels stack(List<Row> rows, int count) {
        PixelValues first = null;
        for (Row r : rows) if (!r.pixels().isEmpty()) { first = r.pixels().getFirst(); break; }
        int h = first.height();
        int w = first.width();
        int size = 3 * h * w;
        float[] data = new float[Math.multiplyExact(count, size)];
        int[] imageRows = new int[count];
        int k = 0;
        for (int b = 0; b < rows.size(); b++) {
            Row r = rows.get(b);
            for (int j = 0; j < r.pixels().size(); j++) {
                PixelValues p = r.pixels().get(j);
                if (p.height() != h || p.width() != w) {
                    throw new IllegalStateException(r.sample().source() + ": image " + r.sample().images().get(j) + " is 3x" + p.height() + "x"
                            + p.width() + " after preprocessing, the batch's others 3x" + h + "x" + w
                            + " (the image processor must crop or resize to one size)");
                }
                System.arraycopy(p.data(), 0, data, k * size, size);
                imageRows[k++] = b;
            }
        }
        return new Batch.Pixels(data, count, h, w, imageRows);
    }
}

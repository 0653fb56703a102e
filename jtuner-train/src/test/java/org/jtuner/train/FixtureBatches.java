package org.jtuner.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongFunction;

import org.jtuner.data.Batch;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;

/** tiny-llava's reference batch (row 0: one image, row 1: text only, right-padded) as trainer batches. */
final class FixtureBatches {
    final int rows, seqLen;
    final int[] ids, labels, mask;
    final float[] pixels;
    final int imageSize;

    FixtureBatches() {
        Path ref = Fixtures.path("tiny-llava", "reference.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(ref)) {
            long[] shape = f.info("input_ids").shape();
            rows = (int) shape[0];
            seqLen = (int) shape[1];
            ids = ints(f.readLongs("input_ids"));
            labels = ints(f.readLongs("labels"));
            mask = ints(f.readLongs("attention_mask"));
            pixels = f.readFloats("pixel_values");
            imageSize = (int) f.info("pixel_values").shape()[2];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
        return out;
    }

    /** The whole reference batch. */
    Batch full(int step) {
        int[] lengths = new int[rows];
        for (int r = 0; r < rows; r++) for (int t = 0; t < seqLen; t++) lengths[r] += mask[r * seqLen + t];
        int[] pos = new int[rows * seqLen];
        for (int i = 0; i < pos.length; i++) pos[i] = i % seqLen;
        return new Batch(0, step, new int[] {0, 1}, List.of(), rows, seqLen, ids, labels, mask, pos, lengths,
                new Batch.Pixels(pixels, 1, imageSize, imageSize, new int[] {0}));
    }

    /** Only the text row (no image: the vision tower must not run). */
    Batch textOnly(int step) {
        int len = 0;
        for (int t = 0; t < seqLen; t++) len += mask[seqLen + t];
        int[] pos = new int[seqLen];
        for (int i = 0; i < seqLen; i++) pos[i] = i;
        return new Batch(0, step, new int[] {1}, List.of(), 1, seqLen, slice(ids), slice(labels), slice(mask), pos,
                new int[] {len}, null);
    }

    private int[] slice(int[] v) {
        return java.util.Arrays.copyOfRange(v, seqLen, 2 * seqLen);
    }

    static BatchSource source(long perEpoch, LongFunction<Batch> batches) {
        return new BatchSource() {
            @Override
            public long batchesPerEpoch() {
                return perEpoch;
            }

            @Override
            public Batch batch(long iteration) {
                return batches.apply(iteration);
            }
        };
    }

    static RunConfig config(String yaml) {
        try {
            Path f = java.nio.file.Files.createTempFile("run", ".yaml");
            java.nio.file.Files.writeString(f, yaml);
            f.toFile().deleteOnExit();
            return RunConfig.bind(ConfigFiles.load(f.toString(), List.of()), "test config");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

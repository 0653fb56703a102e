package org.jtuner.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * An encoded sample as the dataset keeps it in memory: one int per text token and one per image, instead of the
 * expanded {@code input_ids} and {@code labels} (two ints per token, {@code image_seq_length} tokens per image).
 * A text token {@code t} without loss is stored as {@code t}, one with loss as {@code -(t + 1)}, an image as
 * {@link #IMAGE}.
 */
record PackedSample(SourceRef source, int[] packed, List<Path> images, int length, boolean truncated) {
    static final int IMAGE = Integer.MIN_VALUE;

    static int trained(int id) {
        return -(id + 1);
    }

    boolean hasImages() {
        return !images.isEmpty();
    }

    int modalityLength() {
        return hasImages() ? length : -length;
    }

    /** The packed form of an encoded sample whose images are runs of {@code imageSeqLength} image tokens. */
    static PackedSample pack(EncodedSample s, int imageSeqLength) {
        IntBuffer p = new IntBuffer(s.length());
        int[] ids = s.inputIds(), labels = s.labels(), starts = s.imagePositions();
        int image = 0;
        for (int i = 0; i < ids.length; i++) {
            if (image < starts.length && starts[image] == i) {
                p.add(IMAGE);
                i += imageSeqLength - 1;
                image++;
            } else {
                p.add(labels[i] == EncodedSample.IGNORE_INDEX ? ids[i] : trained(ids[i]));
            }
        }
        return new PackedSample(s.source(), p.toArray(p.size()), s.images(), s.length(), s.truncated());
    }

    EncodedSample unpack(int imageTokenIndex, int imageSeqLength) {
        int[] ids = new int[length];
        int[] labels = new int[length];
        int[] positions = new int[images.size()];
        int pos = 0;
        int image = 0;
        for (int v : packed) {
            if (v == IMAGE) {
                positions[image++] = pos;
                Arrays.fill(ids, pos, pos + imageSeqLength, imageTokenIndex);
                Arrays.fill(labels, pos, pos + imageSeqLength, EncodedSample.IGNORE_INDEX);
                pos += imageSeqLength;
            } else if (v < 0) {
                ids[pos] = -v - 1;
                labels[pos++] = -v - 1;
            } else {
                ids[pos] = v;
                labels[pos++] = EncodedSample.IGNORE_INDEX;
            }
        }
        return new EncodedSample(source, ids, labels, positions, images, truncated);
    }
}

package org.jtuner.data;

import java.util.List;

import org.jtuner.tensor.Device;
import org.jtuner.tensor.Tensor;

/**
 * One collated batch, in Java arrays (made by data-loading workers; {@link #toTensors} makes the tensors on the
 * training thread, inside its scope). Rows are right-padded to the longest row.
 *
 * @param epoch         the epoch this batch belongs to
 * @param step          its position in the epoch's batches (0-based), what a checkpoint records to resume after it
 * @param sampleIndices the dataset index of each row
 * @param inputIds      {@code [rows, seqLen]}, padding is {@code padTokenId}
 * @param labels        {@code [rows, seqLen]}, -100 on inputs and padding
 * @param attentionMask {@code [rows, seqLen]}, 1 on the first {@code lengths[r]} positions of row r, 0 after
 * @param positionIds   {@code [rows, seqLen]}, {@code 0..seqLen-1} on every row (as XTuner's collate)
 * @param lengths       the true length of each row
 * @param pixels        the images of all rows, or null when no row has an image (then the vision encoder must not run)
 */
public record Batch(int epoch, int step, int[] sampleIndices, List<SourceRef> sources, int rows, int seqLen,
                    int[] inputIds, int[] labels, int[] attentionMask, int[] positionIds, int[] lengths, Pixels pixels) {

    /**
     * The images of a batch, {@code [count, 3, height, width]}: the images of row 0 in order, then row 1's, ... which
     * is the order of the image-token runs in the flattened {@code inputIds}, where the model scatters their features.
     *
     * @param rows the batch row of each image
     */
    public record Pixels(float[] data, int count, int height, int width, int[] rows) {
        public Pixels {
            if (data.length != (long) count * 3 * height * width) {
                throw new IllegalArgumentException(count + " images of 3x" + height + "x" + width + " need " + (long) count * 3 * height * width
                        + " floats, got " + data.length);
            }
            if (rows.length != count) throw new IllegalArgumentException(count + " images but " + rows.length + " row indices");
        }

        public int[] shape() {
            return new int[] {count, 3, height, width};
        }
    }

    /** A batch whose rows were all skipped (bad images under {@code on_bad_sample: skip}): nothing to run. */
    public boolean isEmpty() {
        return rows == 0;
    }

    public boolean hasImages() {
        return pixels != null;
    }

    /** Images in the batch (0 when text only). */
    public int imageCount() {
        return pixels == null ? 0 : pixels.count();
    }

    /** Tokens that are not padding. */
    public long tokens() {
        long n = 0;
        for (int l : lengths) n += l;
        return n;
    }

    /** The batch as CPU tensors. */
    public Tensors toTensors() {
        return toTensors(Device.CPU);
    }

    /**
     * The batch as tensors on {@code device}: ids, labels, mask and positions as I32 {@code [rows, seqLen]}, pixels as
     * F32 {@code [count, 3, H, W]}, or null for a batch without images. They belong to the current scope.
     */
    public Tensors toTensors(Device device) {
        Tensor ids = Tensor.ofInts(device, inputIds, rows, seqLen);
        Tensor lab = Tensor.ofInts(device, labels, rows, seqLen);
        Tensor mask = Tensor.ofInts(device, attentionMask, rows, seqLen);
        Tensor pos = Tensor.ofInts(device, positionIds, rows, seqLen);
        Tensor pix = pixels == null ? null : Tensor.of(device, pixels.data(), pixels.shape());
        return new Tensors(ids, lab, mask, pos, pix);
    }

    /** A batch's tensors; {@code pixelValues} is null when the batch has no image. Closing frees them. */
    public record Tensors(Tensor inputIds, Tensor labels, Tensor attentionMask, Tensor positionIds, Tensor pixelValues)
            implements AutoCloseable {
        @Override
        public void close() {
            inputIds.close();
            labels.close();
            attentionMask.close();
            positionIds.close();
            if (pixelValues != null) pixelValues.close();
        }
    }
}

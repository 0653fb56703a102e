package org.jtuner.data.mllama;

import java.util.List;

import org.jtuner.data.SourceRef;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Tensor;
import org.jtuner.vision.mllama.MllamaImageBatch;

/**
 * A batch for an mllama (Llama-3.2-Vision) model: right-padded {@code input_ids}, {@code labels} (-100 on padding),
 * {@code attention_mask} [rows, seqLen]; and, when any row has an image, the tiled images ({@code pixel_values}
 * [rows, max_images, max_tiles, 3, tile, tile], {@code aspect_ratio_ids}, {@code aspect_ratio_mask}) with the
 * {@code cross_attention_mask} [rows, seqLen, max_images, max_tiles] built from the ids. A batch of text-only rows
 * has neither (the model then skips its cross-attention layers, as transformers does without pixel_values).
 *
 * @param images             null when no row has an image
 * @param crossAttentionMask null when no row has an image; row-major 0/1
 */
public record MllamaBatch(List<SourceRef> sources, int rows, int seqLen, int[] inputIds, int[] labels,
                          int[] attentionMask, int[] lengths, MllamaImageBatch images, long[] crossAttentionMask) {

    public boolean hasImages() {
        return images != null;
    }

    /** The batch as CPU tensors (in the current scope). */
    public Tensors toTensors() {
        return toTensors(Device.CPU);
    }

    /**
     * The batch as tensors on {@code device}: ids, labels, mask I32 [rows, seqLen]; pixel_values F32
     * [rows, images, tiles, 3, tile, tile]; aspect_ratio_ids I32 [rows, images]; aspect_ratio_mask I32
     * [rows, images, tiles]; cross_attention_mask I32 [rows, seqLen, images, tiles] — the last four null without
     * images.
     */
    public Tensors toTensors(Device device) {
        Tensor ids = Tensor.ofInts(device, inputIds, rows, seqLen);
        Tensor lab = Tensor.ofInts(device, labels, rows, seqLen);
        Tensor mask = Tensor.ofInts(device, attentionMask, rows, seqLen);
        if (images == null) return new Tensors(ids, lab, mask, null, null, null, null);
        int m = images.maxImages(), t = images.maxTiles(), s = images.tileSize();
        return new Tensors(ids, lab, mask,
                Tensor.of(device, images.pixelValues(), rows, m, t, 3, s, s),
                Tensor.ofInts(device, toInts(images.aspectRatioIds()), rows, m),
                Tensor.ofInts(device, toInts(images.aspectRatioMask()), rows, m, t),
                Tensor.ofInts(device, toInts(crossAttentionMask), rows, seqLen, m, t));
    }

    private static int[] toInts(long[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return out;
    }

    /** The batch's tensors; the image ones are null for a text-only batch. Closing frees them. */
    public record Tensors(Tensor inputIds, Tensor labels, Tensor attentionMask, Tensor pixelValues,
                          Tensor aspectRatioIds, Tensor aspectRatioMask, Tensor crossAttentionMask)
            implements AutoCloseable {
        @Override
        public void close() {
            for (Tensor t : new Tensor[] {inputIds, labels, attentionMask, pixelValues, aspectRatioIds,
                    aspectRatioMask, crossAttentionMask}) {
                if (t != null) t.close();
            }
        }
    }
}

package org.jtuner.train;

import org.jtuner.data.BatchLoader;
import org.jtuner.data.mllama.MllamaBatch;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;

/**
 * Llama-3.2-Vision's micro-batches: the mllama loader's batches through {@link MllamaForConditionalGeneration}
 * (pixel_values, aspect_ratio_ids/mask and cross_attention_mask when a row has an image; a text-only batch skips the
 * vision model and the cross-attention layers, as transformers does without pixel_values).
 */
public final class MllamaMicroBatches implements MicroBatches {
    private final MllamaForConditionalGeneration model;
    private final LoaderIterations<MllamaBatch> iterations;

    public MllamaMicroBatches(MllamaForConditionalGeneration model, BatchLoader<?, MllamaBatch> loader) {
        this.model = model;
        this.iterations = new LoaderIterations<>(loader);
    }

    @Override
    public long batchesPerEpoch() {
        return iterations.batchesPerEpoch();
    }

    @Override
    public Forward forward(long iteration) {
        MllamaBatch b = iterations.batch(iteration);
        if (b.rows() == 0) return null;
        MllamaBatch.Tensors t = b.toTensors();
        long tokens = 0;
        for (int l : b.lengths()) tokens += l;
        return new Forward(MllamaForConditionalGeneration.loss(model.forward(t.inputIds(), t.attentionMask(), t.pixelValues(),
                t.aspectRatioIds(), t.aspectRatioMask(), t.crossAttentionMask()), t.labels()), tokens,
                MicroBatches.lossTokens(b.labels(), b.rows(), b.seqLen()));
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

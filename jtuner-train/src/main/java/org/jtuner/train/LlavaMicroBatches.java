package org.jtuner.train;

import org.jtuner.data.Batch;
import org.jtuner.models.llava.LlavaForConditionalGeneration;

/** LLaVA's micro-batches: a {@link BatchSource}'s batches through {@link LlavaForConditionalGeneration}. */
public final class LlavaMicroBatches implements MicroBatches {
    private final LlavaForConditionalGeneration model;
    private final BatchSource data;

    public LlavaMicroBatches(LlavaForConditionalGeneration model, BatchSource data) {
        this.model = model;
        this.data = data;
    }

    @Override
    public long batchesPerEpoch() {
        return data.batchesPerEpoch();
    }

    @Override
    public Forward forward(long iteration) {
        Batch b = data.batch(iteration);
        if (b.isEmpty()) return null;
        Batch.Tensors t = b.toTensors();
        return new Forward(model.trainingLoss(t.inputIds(), t.attentionMask(), t.pixelValues(), t.labels()), b.tokens(),
                MicroBatches.lossTokens(b.labels(), b.rows(), b.seqLen()));
    }

    @Override
    public long skippedSamples() {
        return data.skippedSamples();
    }

    @Override
    public void close() {
        data.close();
    }
}

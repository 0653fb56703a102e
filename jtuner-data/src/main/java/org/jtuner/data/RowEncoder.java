package org.jtuner.data;

/**
 * Encodes one LLaVA-format row for a model family: the sample (each image a run of {@link #imageSeqLength} copies of
 * {@link #imageTokenIndex} in its ids), or the problem that leaves it out. {@link SampleEncoder} is LLaVA's (XTuner's
 * prompt templates); mllama's renders the tokenizer's chat template. Thread-safe.
 */
public interface RowEncoder {
    SampleEncoder.Result encode(RawSample row);

    /** The id an image's tokens carry in {@code input_ids}. */
    int imageTokenIndex();

    /** Tokens per image in {@code input_ids} (1 for mllama's {@code <|image|>}). */
    int imageSeqLength();
}

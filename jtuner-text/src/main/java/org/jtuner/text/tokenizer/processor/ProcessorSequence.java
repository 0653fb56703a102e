package org.jtuner.text.tokenizer.processor;

import java.util.List;

/** Runs post-processors in order. */
public record ProcessorSequence(List<PostProcessor> processors) implements PostProcessor {
    @Override
    public Encoded process(Encoded sequence, boolean addSpecialTokens) {
        for (PostProcessor p : processors) sequence = p.process(sequence, addSpecialTokens);
        return sequence;
    }
}

package org.jtuner.text.tokenizer.pretokenizer;

import java.util.List;

/** Runs pre-tokenizers in order, each on every piece the previous one produced. */
public record PreTokenizerSequence(List<PreTokenizer> steps) implements PreTokenizer {
    @Override
    public void preTokenize(String piece, boolean atStart, PieceSink out) {
        run(0, piece, atStart, out);
    }

    private void run(int step, String piece, boolean atStart, PieceSink out) {
        if (step == steps.size()) {
            out.accept(piece, atStart);
        } else {
            steps.get(step).preTokenize(piece, atStart, (p, s) -> run(step + 1, p, s, out));
        }
    }
}

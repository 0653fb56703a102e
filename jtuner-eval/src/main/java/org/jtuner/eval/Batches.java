package org.jtuner.eval;

import java.util.ArrayList;
import java.util.List;

/** Answers questions through an answerer in batches, reporting progress. */
final class Batches {
    private Batches() {}

    static List<String> answerAll(List<Question> questions, Answerer answerer, int batchSize, Progress progress) {
        List<String> out = new ArrayList<>(questions.size());
        int size = Math.max(1, batchSize);
        for (int from = 0; from < questions.size(); from += size) {
            List<Question> batch = questions.subList(from, Math.min(questions.size(), from + size));
            List<String> answers = answerer.answer(batch);
            if (answers.size() != batch.size()) {
                throw new IllegalStateException("the answerer gave " + answers.size() + " answers to " + batch.size() + " questions");
            }
            out.addAll(answers);
            progress.advanced(out.size(), questions.size());
        }
        return out;
    }
}

package org.jtuner.eval;

import java.util.List;

/** A model under evaluation: answers a batch of questions, one text per question, in order. */
@FunctionalInterface
public interface Answerer {
    List<String> answer(List<Question> batch);
}

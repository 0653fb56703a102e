package org.jtuner.train.cot;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jtuner.data.LlavaJsonReader;
import org.jtuner.data.Problem;
import org.jtuner.data.RawSample;

/**
 * A CoT benchmark file (LLaVA json or jsonl: the first human turn is the question, the first gpt turn the
 * reference answer, staged or plain) scored by answer accuracy and structure validity.
 */
public final class CotBenchmark {
    /** One question; {@code image} is null for a text-only one. */
    public record Item(String id, String question, Path image, String reference) {}

    /** The scores of one file. */
    public record Score(Path file, int items, int correct, int wellFormed) {
        public double accuracy() {
            return items == 0 ? 0 : (double) correct / items;
        }

        public double structureValidity() {
            return items == 0 ? 0 : (double) wellFormed / items;
        }
    }

    /** Answers a question about an image (null for none). */
    @FunctionalInterface
    public interface Answerer {
        String answer(String question, Path image);
    }

    private CotBenchmark() {}

    /** The items of a file; images are resolved against {@code imageFolder} (or the file's folder when null). */
    public static List<Item> read(Path file, Path imageFolder) throws IOException {
        List<Item> items = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Path base = imageFolder != null ? imageFolder : file.toAbsolutePath().getParent();
        LlavaJsonReader.read(file, new LlavaJsonReader.Sink() {
            @Override
            public void sample(RawSample s) {
                String q = null, ref = null;
                for (RawSample.Message m : s.conversations()) {
                    if (q == null && m.from().equals("human")) q = m.value();
                    else if (q != null && ref == null && m.from().equals("gpt")) ref = m.value();
                }
                if (q == null || ref == null) {
                    problems.add(s.source() + ": needs a human question and a gpt reference answer");
                    return;
                }
                // the evaluator puts the image first itself
                String question = q.replace("<image>\n", "").replace("<image>", "").strip();
                items.add(new Item(s.source().id(), question, s.images().isEmpty() ? null : base.resolve(s.images().getFirst()), ref));
            }

            @Override
            public void problem(Problem p) {
                problems.add(p.toString());
            }
        });
        if (!problems.isEmpty()) throw new IllegalArgumentException("benchmark " + file + ": " + problems.getFirst()
                + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        return items;
    }

    public static Score score(Path file, List<Item> items, Answerer model) {
        return score(file, answer(items, model, (done, total) -> {}));
    }

    /** One item's generation and how it is judged. */
    public record Answered(Item item, String generation, boolean correct, boolean wellFormed) {
        public String finalAnswer() {
            return CotScoring.finalAnswer(generation);
        }
    }

    /** Answers every item in order; {@code progress} hears (done, total) after each. */
    public static List<Answered> answer(List<Item> items, Answerer model, java.util.function.BiConsumer<Integer, Integer> progress) {
        List<Answered> out = new ArrayList<>(items.size());
        for (Item it : items) {
            String g = model.answer(it.question(), it.image());
            out.add(new Answered(it, g, CotScoring.correct(g, it.reference()), CotScoring.structureValid(g)));
            progress.accept(out.size(), items.size());
        }
        return out;
    }

    public static Score score(Path file, List<Answered> answered) {
        int correct = 0, wellFormed = 0;
        for (Answered a : answered) {
            if (a.correct()) correct++;
            if (a.wellFormed()) wellFormed++;
        }
        return new Score(file, answered.size(), correct, wellFormed);
    }
}

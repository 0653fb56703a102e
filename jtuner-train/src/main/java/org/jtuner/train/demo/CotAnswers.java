package org.jtuner.train.demo;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.text.cot.CotStages.Stage;

/**
 * The CoT demo's answers: LLaVA-CoT's four stages written from what the synthetic image shows. The summary says
 * what the question asks, the caption describes the image (every attribute, whatever the question), the reasoning
 * picks the asked-for attribute out of it, and the conclusion is the one-word answer of the plain demo.
 */
public final class CotAnswers {
    private static final String[] SUMMARY = {
        "i will find the color of the shape in the image .",
        "i will find what shape is in the image .",
        "i will count the shapes in the image .",
        "i will find where the shape is in the image ."};

    private CotAnswers() {}

    /** The staged answer of a scene. */
    public static String staged(ShapesDataset.Scene s) {
        String answer = s.sample().answer();
        String summary, caption, reasoning;
        if (s.kind() < 0) {
            summary = "i will work out the answer to the question .";
            caption = "there is no image , only the question .";
            reasoning = textReasoning(s.sample().question(), answer);
        } else {
            String color = ShapesDataset.COLORS.get(s.color()), shape = ShapesDataset.SHAPES.get(s.shape());
            String count = ShapesDataset.COUNTS.get(s.count() - 1);
            summary = SUMMARY[s.kind()];
            caption = s.count() == 1
                    ? "the image shows one " + color + " " + shape + " at the " + ShapesDataset.POSITIONS.get(s.position()) + " ."
                    : "the image shows " + count + " " + color + " " + shape + "s .";
            reasoning = switch (s.kind()) {
                case 0 -> "the " + shape + " is " + color + " , so the color is " + answer + " .";
                case 1 -> "the shape is a " + shape + " , so it is a " + answer + " .";
                case 2 -> "there " + (s.count() == 1 ? "is " : "are ") + count + " , so the count is " + answer + " .";
                default -> "the " + shape + " is at the " + answer + " , so it is " + answer + " .";
            };
        }
        return wrap(Stage.SUMMARY, summary) + wrap(Stage.CAPTION, caption) + wrap(Stage.REASONING, reasoning)
                + wrap(Stage.CONCLUSION, answer);
    }

    /** "what is one plus two ?" -> "one plus two is three ."; "what color is the sky ?" -> "the sky is blue ." */
    static String textReasoning(String question, String answer) {
        String q = question.replace(" ?", "");
        if (q.startsWith("what is ")) return q.substring("what is ".length()) + " is " + answer + " .";
        if (q.startsWith("what color is ")) return q.substring("what color is ".length()) + " is " + answer + " .";
        throw new IllegalArgumentException("no reasoning line for the demo question '" + question + "'");
    }

    private static String wrap(Stage stage, String text) {
        return stage.open() + text + stage.close();
    }

    /** The words and tag pieces the staged answers add to the demo's vocabulary (the byte-level pre-tokenizer splits tags). */
    public static List<String> vocabulary() {
        List<String> words = new ArrayList<>();
        for (String w : ("i will find work out answer to of in image what count shapes where shows at there no only so "
                + "it is are a , . < > </ >< please question : " + "circles squares triangles").split(" ")) {
            words.add(w);
        }
        for (Stage s : Stage.values()) words.add(s.name());
        return words;
    }
}

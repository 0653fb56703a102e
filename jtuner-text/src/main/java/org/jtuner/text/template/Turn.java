package org.jtuner.text.template;

/**
 * One round of a conversation as XTuner's map functions produce it ({@code {"system", "input", "output",
 * "output_with_loss"}}): the user's input (all human messages since the last answer, joined), the answer,
 * and the system text when this round starts with one (XTuner puts it on the first round).
 *
 * @param system         system text for this round, "" for none
 * @param outputWithLoss whether the answer is trained on (XTuner's {@code output_with_loss}, default true)
 */
public record Turn(String system, String input, String output, boolean outputWithLoss) {

    /** Nulls read as "", as XTuner's {@code template_map_fn} treats a missing or None input. */
    public Turn {
        system = system == null ? "" : system;
        input = input == null ? "" : input;
        output = output == null ? "" : output;
    }

    /** A trained round without a system text. */
    public static Turn of(String input, String output) {
        return new Turn("", input, output, true);
    }

    public Turn withSystem(String system) {
        return new Turn(system, input, output, outputWithLoss);
    }
}

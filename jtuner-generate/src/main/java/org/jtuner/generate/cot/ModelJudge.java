package org.jtuner.generate.cot;

import java.util.List;
import java.util.function.BiFunction;

import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;
import org.jtuner.text.cot.CotStages.Stage;

/**
 * The model judging its own candidates, as the paper's {@code judge()}: the comparison prompt of
 * {@link JudgePrompts} as a user turn with the image, decoded with {@code config}; "I choose response 1" keeps the
 * first candidate, anything else the second. For the reasoning stage each candidate's reasoning is first checked
 * alone (without the image), and one judged "incorrect" loses (the first candidate's check first).
 */
public final class ModelJudge implements StageBeamSearch.Judge {
    private final Generator generator;
    private final BiFunction<String, Boolean, Prompt> userTurn;
    private final GenerationConfig config;
    private final String question;
    private final List<String> transcript;

    /**
     * @param userTurn   the prompt of one user message (the caller's template), with the question's image when asked
     * @param question   the question as the user asked it
     * @param transcript receives each judge prompt and the model's reply, for logs (may be null)
     */
    public ModelJudge(Generator generator, BiFunction<String, Boolean, Prompt> userTurn, GenerationConfig config, String question,
                      List<String> transcript) {
        this.generator = generator;
        this.userTurn = userTurn;
        this.config = config;
        this.question = question;
        this.transcript = transcript;
    }

    @Override
    public int prefer(Stage stage, String first, String second) {
        if (stage == Stage.REASONING) {
            List<String> checks = JudgePrompts.reasoningChecks(first, second);
            // the paper asks these without the image
            if (!checks.isEmpty() && JudgePrompts.judgedIncorrect(ask(checks.get(0), false))) return 1;
            if (!checks.isEmpty() && JudgePrompts.judgedIncorrect(ask(checks.get(1), false))) return 0;
        }
        return JudgePrompts.choice(ask(JudgePrompts.comparison(stage, question, first, second), true));
    }

    private String ask(String prompt, boolean withImage) {
        String reply = generator.generate(userTurn.apply(prompt, withImage), config, TextListener.NONE).text();
        if (transcript != null) {
            transcript.add(prompt);
            transcript.add(reply);
        }
        return reply;
    }
}

package org.jtuner.generate.cot;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jtuner.text.cot.CotStages.Stage;

/**
 * LLaVA-CoT's comparison prompts, as {@code judge()} in PKU-YuanGroup/LLaVA-CoT
 * {@code inference/VLMEvalKit/inference_demo.py} writes them (its wording and spelling, "Repsonse" included): per
 * stage an instruction, the question, a hint (the caption for the reasoning stage, caption and reasoning for the
 * conclusion), the two candidates' text of that stage, a reminder, and the output format
 * {@code Since [reason], I choose response [1/2].} The reasoning stage first asks, for each candidate alone,
 * whether its reasoning is correct ({@link #reasoningChecks}).
 */
public final class JudgePrompts {
    private JudgePrompts() {}

    static String instruction(Stage stage) {
        return switch (stage) {
            case SUMMARY -> "Now you act as a judge, helping me determine which of the two texts I provide better provides a summary "
                    + "of what it should do to solve the question. The summary should focus on outlining the main approach "
                    + "instead of stating specific analytical reasoning or math formula.";
            case CAPTION -> "Now you act as a judge, helping me determine which of the two texts I provide better summarizes the "
                    + "information in the image related to the question, and has fewer errors. It is essential that the captions "
                    + "are as thorough as possible while remaining accurate, capturing as many details as possible rather than "
                    + "providing only general commentary.";
            case REASONING -> "Now you act as a judge, helping me determine which of the two texts I provide better explains the "
                    + "reasoning process to solve the question, and has fewer errors. Begin by thoroughly reviewing the question, "
                    + "followed by an in-depth examination of each answer individually, noting any differences. Subsequently, "
                    + "analyze these differences to determine which response demonstrates stronger reasoning and provide a clear "
                    + "conclusion.";
            case CONCLUSION -> "Now you act as a judge, helping me determine which of the two texts I provide offers a more effective "
                    + "conclusion to the question. The conclusion should align with the reasoning presented in the hint. The "
                    + "conclusion should never refuse to answer the question.";
        };
    }

    static String recall(Stage stage) {
        return switch (stage) {
            case SUMMARY -> "Please note that a better summary should focus on outlining the main approach instead of stating "
                    + "specific analytical reasoning or math formula.";
            case CAPTION -> "Please note that a better caption should be as thorough as possible while remaining accurate, "
                    + "capturing as many details as possible rather than providing only general commentary.";
            case REASONING -> "Begin by thoroughly reviewing the question, followed by an in-depth examination of each answer "
                    + "individually, noting any differences. Subsequently, analyze these differences to determine which response "
                    + "demonstrates stronger reasoning and provide a clear conclusion.";
            case CONCLUSION -> "Please note that a better conclusion should align with the reasoning presented in the hint. The "
                    + "conclusion should never refuse to answer the question.";
        };
    }

    /** The reasoning check's instruction, with the paper's line breaks and indentation (a Python triple-quoted string). */
    static final String REASONING_CHECK = """
            Now you act as a judge, helping me determine whether the reasoning process in the given text is correct and accurate based on the given information.
                        You should assume that the given information about the image is correct.
                        You should only consider the reasoning process itself, not the correctness of the background information. \s
                        If the reasoning process invovles any calculations, you should verify the accuracy of the calculations.
                        You should output 'correct' if you don't find any errors in the reasoning process, and 'incorrect' if you find any errors.""";

    /** The text of {@code stage} in a generation ({@code <TAG>(.*?)</TAG>}, as the paper's regex), or null. */
    public static String stageText(String generation, Stage stage) {
        Matcher m = Pattern.compile(Pattern.quote(stage.open()) + "(.*?)" + Pattern.quote(stage.close()), Pattern.DOTALL).matcher(generation);
        return m.find() ? m.group(1) : null;
    }

    /** The hint of a stage: the caption for the reasoning, caption + reasoning for the conclusion, else none. */
    static String hint(String generation, Stage stage) {
        return switch (stage) {
            case REASONING -> stageText(generation, Stage.CAPTION);
            case CONCLUSION -> {
                String c = stageText(generation, Stage.CAPTION), r = stageText(generation, Stage.REASONING);
                yield c == null || r == null ? null : c + r;
            }
            default -> null;
        };
    }

    /** What the paper compares: each candidate's text of the stage (those that have it) and the hint. */
    record Inputs(List<String> texts, String hint) {}

    /**
     * As the paper: a candidate whose stage text (or, for later stages, the stages before it that the hint needs)
     * is missing is left out, and the hint is the last kept candidate's.
     */
    static Inputs inputs(Stage stage, String first, String second) {
        List<String> texts = new ArrayList<>();
        String hint = null;
        for (String g : List.of(first, second)) {
            String t = stageText(g, stage);
            if (t == null) continue;
            if (stage != Stage.SUMMARY && stageText(g, Stage.SUMMARY) == null) continue;
            if ((stage == Stage.REASONING || stage == Stage.CONCLUSION) && stageText(g, Stage.CAPTION) == null) continue;
            if (stage == Stage.CONCLUSION && stageText(g, Stage.REASONING) == null) continue;
            if (stage == Stage.REASONING || stage == Stage.CONCLUSION) hint = hint(g, stage);
            texts.add(t);
        }
        return new Inputs(texts, hint);
    }

    /** The pairwise comparison prompt for {@code stage}; each candidate is the whole answer so far, that stage last. */
    public static String comparison(Stage stage, String question, String first, String second) {
        Inputs in = inputs(stage, first, second);
        StringBuilder p = new StringBuilder(instruction(stage));
        p.append("\n\nQuestion: ").append(question);
        if (in.hint() != null && !in.hint().isEmpty()) p.append("\n\nHint about the Question: ").append(in.hint());
        for (int i = 0; i < in.texts().size(); i++) p.append("\nRepsonse ").append(i + 1).append(": ").append(in.texts().get(i));
        p.append("\n\n").append(recall(stage));
        p.append(" Please strictly follow the following format requirements when outputting, and don\u2019t have any other unnecessary words.");
        p.append("\n\nOutput format: \"Since [reason], I choose response [1/2].\"");
        return p.toString();
    }

    /**
     * The paper's reasoning checks, asked before the reasoning comparison without the image: one per candidate
     * ({@code first}'s, then {@code second}'s), each with the hint of {@link #inputs} as the given information (the
     * paper's hint is the last candidate's caption for both), or an empty list when a candidate lacks its stages.
     */
    public static List<String> reasoningChecks(String first, String second) {
        Inputs in = inputs(Stage.REASONING, first, second);
        if (in.texts().size() < 2) return List.of();
        return in.texts().stream().map(r -> REASONING_CHECK + "\n\nGiven Information: " + in.hint() + "\n\nReasoning Process: " + r).toList();
    }

    /** The paper's reading of a comparison: "I choose response 1" picks the first, anything else the second. */
    public static int choice(String judgeOutput) {
        return judgeOutput.contains("I choose response 1") ? 0 : 1;
    }

    /** The paper's reading of a reasoning check: "incorrect" anywhere fails it. */
    public static boolean judgedIncorrect(String checkOutput) {
        return checkOutput.contains("incorrect");
    }
}

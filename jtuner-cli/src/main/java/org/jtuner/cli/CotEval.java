package org.jtuner.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.generate.TextListener;
import org.jtuner.train.cot.CotBenchmark;
import org.jtuner.vision.RgbImage;

/**
 * {@code jtuner eval MODEL --cot FILE ...}: each LLaVA-CoT benchmark file (LLaVA json/jsonl, the first gpt turn the
 * reference, staged or plain) answered one question at a time, plainly or with {@code --stage-beam N}, and scored as
 * the trainer's CoT hook scores it (org.jtuner.train.cot): answer accuracy from {@code <CONCLUSION>} (option
 * letter or normalised exact match) and structure validity. Writes results.json and predictions.jsonl; prints a
 * table. Without {@code --max-new-tokens} an answer may take 1024 tokens (staged answers are long).
 */
final class CotEval {
    private final EvalCommand c;

    CotEval(EvalCommand command) {
        this.c = command;
    }

    int run() throws Exception {
        if (c.mcq != null || c.yesNo != null) {
            throw new picocli.CommandLine.ParameterException(c.spec.commandLine(), "--cot goes alone, without --mcq or --yes-no");
        }
        if (c.stageBeam < 1) throw new picocli.CommandLine.ParameterException(c.spec.commandLine(), "--stage-beam must be at least 1");
        boolean tokensGiven = c.spec.commandLine().getParseResult() != null
                && c.spec.commandLine().getParseResult().hasMatchedOption("--max-new-tokens");
        int maxNewTokens = tokensGiven ? c.maxNewTokens : 1024;
        Files.createDirectories(c.output);
        ObjectMapper json = new ObjectMapper();
        ObjectNode results = json.createObjectNode().put("stage_beam", c.stageBeam);
        ArrayNode files = results.putArray("cot");
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%-40s %6s %10s %12s%n", "file", "items", "accuracy %", "structure %"));
        List<String> predictions = new ArrayList<>();
        try (ChatModel m = ChatModel.load(c.model, c.promptTemplate)) {
            Integer eos = m.generator.tokenizer().eosId();
            GenerationConfig config = new GenerationConfig(maxNewTokens, c.temperature > 0, c.temperature > 0 ? c.temperature : 1, 40,
                    0.75, 1.0, 0, eos == null ? List.of() : List.of(eos), m.prompts.stopWords());
            StageBeamAnswers beam = new StageBeamAnswers(m, c.stageBeam, c.system);
            for (Path file : c.cot) {
                List<CotBenchmark.Item> items = CotBenchmark.read(file, c.imageFolder);
                List<CotBenchmark.Answered> answered;
                try (ProgressBar bar = new ProgressBarBuilder().setTaskName("eval " + file.getFileName()).setInitialMax(items.size())
                        .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed().build()) {
                    answered = CotBenchmark.answer(items, (question, image) -> answer(m, beam, config, question, image),
                            (done, total) -> bar.stepTo(done));
                }
                CotBenchmark.Score score = CotBenchmark.score(file, answered);
                files.addObject().put("file", file.toString()).put("items", score.items()).put("answer_accuracy", score.accuracy())
                        .put("structure_validity", score.structureValidity());
                table.append(String.format(Locale.ROOT, "%-40s %6d %10.1f %12.1f%n", file.getFileName(), score.items(),
                        100 * score.accuracy(), 100 * score.structureValidity()));
                for (CotBenchmark.Answered a : answered) {
                    predictions.add(json.writeValueAsString(json.createObjectNode().put("file", file.toString()).put("id", a.item().id())
                            .put("prediction", a.generation()).put("answer", a.finalAnswer()).put("reference", a.item().reference())
                            .put("correct", a.correct()).put("well_formed", a.wellFormed())));
                }
            }
        }
        Files.write(c.output.resolve("predictions.jsonl"), predictions, StandardCharsets.UTF_8);
        Files.writeString(c.output.resolve("results.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        System.out.print(table);
        return 0;
    }

    private String answer(ChatModel m, StageBeamAnswers beam, GenerationConfig config, String question, Path image) {
        List<RgbImage> pixels = new ArrayList<>();
        if (image != null) {
            if (!m.takesImages()) throw new IllegalArgumentException("this model is a language model alone: it takes no images");
            pixels.add(ChatModel.read(image));
        }
        String input = PromptBuilder.IMAGE_PLACEHOLDER.concat("\n").repeat(pixels.size()) + question;
        Prompt prompt = m.prompt(c.system, List.of(), input, pixels);
        if (c.stageBeam == 1) return m.generator.generate(prompt, config, TextListener.NONE).text();
        return beam.answer(prompt, question, pixels, config).text();
    }
}

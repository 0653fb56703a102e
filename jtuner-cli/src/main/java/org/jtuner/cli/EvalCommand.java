package org.jtuner.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import org.jtuner.eval.Answerer;
import org.jtuner.eval.McqBenchmark;
import org.jtuner.eval.McqResult;
import org.jtuner.eval.McqRow;
import org.jtuner.eval.OnBadRow;
import org.jtuner.eval.Question;
import org.jtuner.eval.VqaBenchmark;
import org.jtuner.eval.YesNoBenchmark;
import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jtuner eval}: a model on a benchmark. {@code --mcq FILE.tsv} (MMBench / VLMEvalKit multiple choice, as
 * XTuner's mmbench tool; {@code --circular} adds the rotations), {@code --yes-no FILE.jsonl} (POPE / MME style, with
 * MME's acc+ where lines have images), {@code --vqa FILE.jsonl} (open-ended, VQAv2's official accuracy).
 * Writes {@code results.json} and the predictions (TSV and xlsx for multiple choice) to {@code --output}, prints a
 * table; progress with an ETA on standard error. Decoding is greedy unless {@code --temperature} is above 0.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a model on a benchmark (multiple-choice TSV, yes/no jsonl, open-ended VQA jsonl, or LLaVA-CoT json with --cot).")
final class EvalCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A jtuner work dir, a LLaVA folder or an LLM folder.")
    Path model;

    @Option(names = "--mcq", paramLabel = "FILE.tsv", description = "A VLMEvalKit / MMBench multiple-choice TSV.")
    Path mcq;

    @Option(names = "--yes-no", paramLabel = "FILE.jsonl", description = "A yes/no question file (question_id, image, text, label).")
    Path yesNo;

    @Option(names = "--vqa", paramLabel = "FILE.jsonl", description = "Open-ended VQA questions (question_id, image, text, answers), VQAv2 scoring.")
    Path vqa;

    @Option(names = "--cot", paramLabel = "FILE", description = "A LLaVA-CoT benchmark: LLaVA json/jsonl with reference answers (repeatable); "
            + "scored by the answer in <CONCLUSION> and the structure of the four stages, per file.")
    List<Path> cot = new ArrayList<>();

    @Option(names = "--stage-beam", paramLabel = "N", defaultValue = "1", description = "With --cot: LLaVA-CoT's stage-level beam search "
            + "with N candidates per stage, judged by the model (default: ${DEFAULT-VALUE}, plain decoding).")
    int stageBeam;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--image-folder", paramLabel = "DIR", description = "Where the jsonl's images are (default: beside it).")
    Path imageFolder;

    @Option(names = "--circular", description = "Add MMBench's circular rotations to questions that have none.")
    boolean circular;

    @Option(names = "--prompt-style", defaultValue = "xtuner", description = "xtuner (question + options, XTuner's mmbench) or question (the question alone).")
    String promptStyle;

    @Option(names = "--prompt-template", paramLabel = "NAME", description = "An XTuner prompt template (default: the work dir's or the chat template).")
    String promptTemplate;

    @Option(names = "--system", description = "The system text (multiple choice default: XTuner's \"Answer with the option's letter ...\").")
    String system;

    @Option(names = "--max-new-tokens", defaultValue = "10", description = "Most tokens per answer (default: ${DEFAULT-VALUE}, as XTuner's mmbench).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default), else sampling with top-k 40, top-p 0.75.")
    double temperature;

    @Option(names = "--batch-size", defaultValue = "8", description = "Questions generated together (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--on-bad-row", defaultValue = "fail", description = "skip or fail on a malformed row (default: ${DEFAULT-VALUE}).")
    String onBadRow;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where results.json and the predictions go.")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (!cot.isEmpty()) return new CotEval(this).run();
        if (stageBeam != 1) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--stage-beam needs --cot");
        if ((mcq != null ? 1 : 0) + (yesNo != null ? 1 : 0) + (vqa != null ? 1 : 0) != 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "give one of --mcq, --yes-no, --vqa or --cot");
        }
        OnBadRow onBad = OnBadRow.parse(onBadRow);
        Files.createDirectories(output);
        ObjectMapper json = new ObjectMapper();
        try (ChatModel m = ChatModel.load(model, promptTemplate)) {
            Answerer answerer = answerer(m);
            ObjectNode results;
            String table;
            if (mcq != null) {
                List<McqRow> rows = McqBenchmark.read(mcq, onBad, System.err::println);
                if (circular) rows = McqBenchmark.circularize(rows);
                McqBenchmark.PromptStyle style = switch (promptStyle) {
                    case "xtuner" -> McqBenchmark.PromptStyle.XTUNER;
                    case "question" -> McqBenchmark.PromptStyle.QUESTION;
                    default -> throw new IllegalArgumentException("--prompt-style must be xtuner or question, got " + promptStyle);
                };
                McqResult r;
                try (ProgressBar bar = bar(rows.size())) {
                    r = McqBenchmark.evaluate(rows, answerer, style, system != null ? system : McqBenchmark.XTUNER_SYSTEM,
                            batchSize, (done, total) -> bar.stepTo(done));
                }
                r.writeTsv(output.resolve("predictions.tsv"));
                r.writeXlsx(output.resolve("predictions.xlsx"));
                results = r.toJson();
                table = r.table();
            } else if (vqa != null) {
                VqaBenchmark.Result r;
                try (ProgressBar bar = bar((int) Files.lines(vqa).filter(l -> !l.isBlank()).count())) {
                    r = VqaBenchmark.evaluate(vqa, imageFolder, answerer, system, batchSize, onBad, System.err::println,
                            (done, total) -> bar.stepTo(done));
                }
                List<String> lines = new ArrayList<>();
                for (VqaBenchmark.Prediction p : r.predictions()) {
                    lines.add(json.writeValueAsString(json.createObjectNode().put("question_id", p.questionId())
                            .put("answer", p.answer()).put("accuracy", p.accuracy())));
                }
                Files.write(output.resolve("predictions.jsonl"), lines, StandardCharsets.UTF_8);
                results = r.toJson();
                table = r.table();
            } else {
                YesNoBenchmark.Result r;
                try (ProgressBar bar = bar((int) Files.lines(yesNo).filter(l -> !l.isBlank()).count())) {
                    r = YesNoBenchmark.evaluate(yesNo, imageFolder, answerer, system, batchSize, onBad, System.err::println,
                            (done, total) -> bar.stepTo(done));
                }
                List<String> lines = new ArrayList<>();
                for (String[] p : r.predictions()) {
                    lines.add(json.writeValueAsString(json.createObjectNode().put("question_id", p[0]).put("answer", p[1])
                            .put("prediction", p[2]).put("label", p[3])));
                }
                Files.write(output.resolve("predictions.jsonl"), lines, StandardCharsets.UTF_8);
                results = r.toJson();
                table = r.table();
            }
            Files.writeString(output.resolve("results.json"), json.writerWithDefaultPrettyPrinter().writeValueAsString(results));
            System.out.print(table);
        }
        return 0;
    }

    private static ProgressBar bar(int total) {
        return new ProgressBarBuilder().setTaskName("eval").setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed().build();
    }

    private Answerer answerer(ChatModel m) {
        Integer eos = m.generator.tokenizer().eosId();
        GenerationConfig config = new GenerationConfig(maxNewTokens, temperature > 0, temperature > 0 ? temperature : 1, 40,
                0.75, 1.0, 0, eos == null ? List.of() : List.of(eos), m.prompts.stopWords());
        return batch -> {
            List<Prompt> prompts = new ArrayList<>();
            for (Question q : batch) {
                prompts.add(m.prompt(q.system(), List.of(), q.text(), q.images()));
            }
            return m.generator.generate(prompts, config, TextListener.NONE).stream().map(Generation::text).toList();
        };
    }
}

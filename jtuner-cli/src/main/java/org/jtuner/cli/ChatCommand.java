package org.jtuner.cli;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.generate.TextListener;
import org.jtuner.vision.RgbImage;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jtuner chat}, as XTuner's: talk to a model in a loop that keeps the conversation (RESET or /reset starts
 * over, /image PATH... starts over with other images, EXIT or /exit leaves), or answer a jsonl of prompts in
 * batches. Answers go to standard output, hints and progress to standard error.
 */
@Command(name = "chat", mixinStandardHelpOptions = true,
        description = "Chat with a LLaVA or LLM model (a jtuner work dir, a LLaVA folder or an LLM folder).")
final class ChatCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "A jtuner work dir (config.yaml + checkpoints), a LLaVA folder or an LLM folder.")
    Path model;

    @Option(names = "--llava", paramLabel = "DIR", description = {"The LLaVA model: a jtuner work dir or a LLaVA folder (instead of MODEL),",
            "or, as xtuner chat takes it, an XTuner release folder (projector/, llm_adapter/, visual_encoder_adapter/, maybe llm/ and visual_encoder/) with MODEL the base LLM."})
    Path llava;

    @Option(names = "--visual-encoder", paramLabel = "DIR", description = "The CLIP vision tower for an XTuner release folder that has no visual_encoder/.")
    Path visualEncoder;

    @Option(names = "--visual-select-layer", defaultValue = "-2", description = "The vision layer an XTuner release's projector reads (default: ${DEFAULT-VALUE}).")
    int visualSelectLayer;

    @Option(names = "--image", paramLabel = "PATH", description = "An image for the conversation (repeat for several).")
    List<Path> images = new ArrayList<>();

    @Option(names = "--prompt-template", paramLabel = "NAME", description = "An XTuner prompt template (default: the work dir's, else the tokenizer's chat template).")
    String promptTemplate;

    @Option(names = "--system", paramLabel = "TEXT", description = "The system text.")
    String system;

    @Option(names = "--max-new-tokens", defaultValue = "2048", description = "Most tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0.1", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Top-k filter, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.75", description = "Top-p (nucleus) filter (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "Repetition penalty (default: ${DEFAULT-VALUE}).")
    double repetitionPenalty;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed for sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--stop-word", paramLabel = "TEXT", description = "A further stop string (repeatable).")
    List<String> stopWords = new ArrayList<>();

    @Option(names = "--no-streamer", description = "Print each answer when it is complete instead of as it is generated.")
    boolean noStreamer;

    @Option(names = "--batch-input", paramLabel = "IN.jsonl", description = "Answer each line's {\"prompt\", \"image\" | \"images\", \"id\"} instead of chatting.")
    Path batchInput;

    @Option(names = "--batch-output", paramLabel = "OUT.jsonl", description = "Where batch mode writes {\"id\", \"prompt\", \"answer\", \"finish_reason\"} lines.")
    Path batchOutput;

    @Option(names = "--batch-size", defaultValue = "4", description = "Prompts generated together in batch mode (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--stage-beam", paramLabel = "N", defaultValue = "1", description = "LLaVA-CoT's stage-level beam search: N sampled "
            + "candidates per stage, the model judging them pairwise with the paper's prompts (default: ${DEFAULT-VALUE}, plain decoding).")
    int stageBeam;

    private PrintStream out;
    private PrintStream err;

    @Override
    public Integer call() throws Exception {
        out = System.out;
        err = System.err;
        Path dir = llava != null ? llava : model;
        if (dir == null) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "give MODEL or --llava DIR");
        if (stageBeam < 1) throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--stage-beam must be at least 1");
        if (batchInput != null && batchOutput == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--batch-input needs --batch-output");
        }
        boolean release = llava != null && Files.isDirectory(llava.resolve("projector"));
        if (visualEncoder != null && !release) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--visual-encoder goes with --llava DIR, an XTuner release folder (one with projector/)");
        }
        try (ChatModel m = release ? ChatModel.fromXtunerRelease(model, llava, visualEncoder, visualSelectLayer, promptTemplate)
                : ChatModel.load(dir, promptTemplate)) {
            GenerationConfig config = generationConfig(m);
            if (batchInput != null) {
                batch(m, config);
            } else {
                loop(m, config);
            }
        }
        return 0;
    }

    GenerationConfig generationConfig(ChatModel m) {
        Integer eos = m.generator.tokenizer().eosId();
        List<String> stops = new ArrayList<>(m.prompts.stopWords());
        stops.addAll(stopWords);
        return new GenerationConfig(maxNewTokens, temperature > 0, temperature > 0 ? temperature : 1.0, topK, topP,
                repetitionPenalty, seed, eos == null ? List.of() : List.of(eos), stops);
    }

    /** The interactive loop: one line is one message. */
    private void loop(ChatModel m, GenerationConfig config) throws IOException {
        Conversation c = new Conversation(m, load(m, images, null));
        BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        err.println("chat: one line per message; RESET or /reset starts over, /image PATH... loads other images, EXIT or /exit quits");
        while (true) {
            err.print(">>> ");
            err.flush();
            String line = reader.readLine();
            if (line == null || line.strip().equals("EXIT") || line.strip().equals("/exit")) break;
            String text = line.strip();
            if (text.isEmpty()) continue;
            if (text.equals("RESET") || text.equals("/reset")) {
                c = new Conversation(m, c.images);
                err.println("chat: conversation reset");
                continue;
            }
            if (text.startsWith("/image")) {
                List<Path> paths = new ArrayList<>();
                for (String p : text.substring("/image".length()).strip().split("\\s+")) if (!p.isEmpty()) paths.add(Path.of(p));
                c = new Conversation(m, load(m, paths, null));
                err.println("chat: " + paths.size() + " image(s) loaded, conversation reset");
                continue;
            }
            TextListener streamer = noStreamer ? TextListener.NONE : (row, delta) -> {
                out.print(delta);
                out.flush();
            };
            Generation g = c.reply(text, config.withSeed(config.seed() + c.history.size()), streamer);
            out.println(noStreamer ? g.text() : "");
            out.flush();
        }
    }

    /** One conversation: its images (placed before the first message) and the rounds so far. */
    final class Conversation {
        final ChatModel model;
        final List<RgbImage> images;
        final List<PromptBuilder.Exchange> history = new ArrayList<>();

        Conversation(ChatModel model, List<RgbImage> images) {
            this.model = model;
            this.images = images;
        }

        Generation reply(String text, GenerationConfig config, TextListener listener) {
            String input = history.isEmpty() ? PromptBuilder.IMAGE_PLACEHOLDER.concat("\n").repeat(images.size()) + text : text;
            Prompt p = model.prompt(system, history, input, images);
            Generation g;
            if (stageBeam > 1) {
                g = new StageBeamAnswers(model, stageBeam, system).answer(p, text, images, config);
                listener.onText(0, g.text());
            } else {
                g = model.generator.generate(p, config, listener);
            }
            history.add(new PromptBuilder.Exchange(input, g.text()));
            return g;
        }
    }

    private static List<RgbImage> load(ChatModel m, List<Path> paths, Path base) {
        if (paths.isEmpty()) return List.of();
        if (!m.takesImages()) throw new IllegalArgumentException("this model is a language model alone: it takes no images");
        List<RgbImage> out = new ArrayList<>();
        for (Path p : paths) out.add(ChatModel.read(base == null ? p : base.resolve(p)));
        return out;
    }

    /** Batch mode: prompts in, answers out, in batches of --batch-size rows generated together. */
    private void batch(ChatModel m, GenerationConfig config) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(batchInput, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        Path base = batchInput.toAbsolutePath().getParent();
        List<JsonNode> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            try {
                JsonNode n = json.readTree(lines.get(i));
                if (!n.isObject() || !n.hasNonNull("prompt") && !n.hasNonNull("text")) {
                    throw new IllegalArgumentException("needs a \"prompt\"");
                }
                rows.add(n);
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException(batchInput + " line " + (i + 1) + ": " + e.getMessage()
                        + " (each line: {\"prompt\": ..., \"image\": path or \"images\": [paths], \"id\": ...})");
            }
        }
        try (BufferedWriter w = Files.newBufferedWriter(batchOutput, StandardCharsets.UTF_8);
             ProgressBar bar = new ProgressBarBuilder().setTaskName("chat").setInitialMax(rows.size())
                     .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(err)).showSpeed().build()) {
            for (int from = 0; from < rows.size(); from += Math.max(1, batchSize)) {
                List<JsonNode> chunk = rows.subList(from, Math.min(rows.size(), from + Math.max(1, batchSize)));
                List<Prompt> prompts = new ArrayList<>();
                List<List<RgbImage>> rowImages = new ArrayList<>();
                for (JsonNode n : chunk) {
                    List<Path> paths = new ArrayList<>();
                    if (n.hasNonNull("image")) paths.add(Path.of(n.get("image").asText()));
                    if (n.has("images")) n.get("images").forEach(x -> paths.add(Path.of(x.asText())));
                    List<RgbImage> pixels = load(m, paths, base);
                    rowImages.add(pixels);
                    String text = n.hasNonNull("prompt") ? n.get("prompt").asText() : n.get("text").asText();
                    String input = text.contains(PromptBuilder.IMAGE_PLACEHOLDER) ? text
                            : PromptBuilder.IMAGE_PLACEHOLDER.concat("\n").repeat(pixels.size()) + text;
                    prompts.add(m.prompt(system, List.of(), input, pixels));
                }
                List<Generation> answers = new ArrayList<>();
                if (stageBeam > 1) {
                    for (int i = 0; i < chunk.size(); i++) {
                        JsonNode n = chunk.get(i);
                        String q = (n.hasNonNull("prompt") ? n.get("prompt").asText() : n.get("text").asText()).replace(PromptBuilder.IMAGE_PLACEHOLDER + "\n", "");
                        answers.add(new StageBeamAnswers(m, stageBeam, system).answer(prompts.get(i), q, rowImages.get(i),
                                config.withSeed(config.seed() + from + i)));
                    }
                } else {
                    answers = m.generator.generate(prompts, config.withSeed(config.seed() + from), TextListener.NONE);
                }
                for (int i = 0; i < chunk.size(); i++) {
                    JsonNode n = chunk.get(i);
                    ObjectNode o = json.createObjectNode();
                    o.set("id", n.has("id") ? n.get("id") : json.getNodeFactory().numberNode(from + i));
                    o.put("prompt", n.hasNonNull("prompt") ? n.get("prompt").asText() : n.get("text").asText());
                    o.put("answer", answers.get(i).text());
                    o.put("finish_reason", answers.get(i).finishReason().wireName());
                    o.put("completion_tokens", answers.get(i).tokens().length);
                    w.write(json.writeValueAsString(o));
                    w.newLine();
                }
                bar.stepBy(chunk.size());
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}

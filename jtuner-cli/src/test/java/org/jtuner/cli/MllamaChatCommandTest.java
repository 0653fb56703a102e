package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.train.demo.MllamaDemo;
import org.jtuner.train.demo.ShapesDataset;
import org.jtuner.vision.Images;
import org.jtuner.vision.mllama.CrossAttentionMask;
import org.jtuner.vision.mllama.MllamaImageBatch;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.vision.mllama.MllamaProcessorConfig;
import org.jtuner.vision.mllama.TiledImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner chat} on {@code jtuner demo --mllama}'s work dir (a tiny Llama-3.2-Vision trained briefly): the
 * interactive loop's answers (an image question, a reset, the same question, a text-only question) and the batch
 * mode's are the model's greedy answers, and {@code eval --vqa} and {@code eval --cot} score them (and runs {@code --stage-beam 2}), computed here without jtuner's generation: the prompt rendered by the
 * tokenizer's chat template with a {@code {"type": "image"}} item, then a full forward of the model
 * (MllamaForConditionalGeneration.forward, the fixture-checked path) per new token, arg-max, until {@code <|eot_id|>}.
 */
class MllamaChatCommandTest {
    static final int MAX_NEW = 12;
    @TempDir
    static Path work;
    static Path run, modelDir, data;
    static List<ShapesDataset.Sample> heldOut;

    @BeforeAll
    static void trainTheDemo() {
        MllamaDemo.Result r = MllamaDemo.run(work, 48, List.of("optim.epochs=2", "data.per_device_batch_size=8", "logging.log_steps=4"),
                new PrintStream(new ByteArrayOutputStream()));
        run = r.workDir();
        modelDir = work.resolve("models").resolve("tiny-mllama");
        data = work.resolve("data");
        heldOut = ShapesDataset.generate(data, "test", 6, 0.3, 32, 2);
    }

    @Test
    void theInteractiveLoopAndTheBatchModeGiveTheModelsGreedyAnswers(@TempDir Path tmp) throws Exception {
        ShapesDataset.Sample a = heldOut.stream().filter(s -> s.image() != null).findFirst().orElseThrow();
        String textOnly = "what is the colour of the sky?";
        Path image = data.resolve(a.image());
        String first, plain;
        try (ChatModel m = ChatModel.load(run, null)) {
            MllamaForConditionalGeneration model = (MllamaForConditionalGeneration) m.module;
            first = greedy(model, a.question(), image);
            plain = greedy(model, textOnly, null);
        }
        String script = String.join("\n", a.question(), "RESET", a.question(), "/image", textOnly, "EXIT") + "\n";
        String out = ChatCommandTest.runWithStdin(script, "chat", run.toString(), "--image", image.toString(),
                "--temperature", "0", "--max-new-tokens", String.valueOf(MAX_NEW));
        List<String> answers = out.lines().map(String::strip).toList();
        System.out.println("mllama chat answers: " + answers);
        assertThat(first).as("the trained demo answers something").isNotEmpty();
        assertThat(answers).as(out).containsExactly(first, first, plain);

        // batch mode: the image row and the text-only row generated together (left-padded, one with an empty image slot)
        Path input = tmp.resolve("in.jsonl"), output = tmp.resolve("out.jsonl");
        Files.writeString(input, "{\"id\": \"a\", \"prompt\": \"" + a.question() + "\", \"image\": \"" + image + "\"}\n"
                + "{\"id\": \"t\", \"prompt\": \"" + textOnly + "\"}\n");
        ChatCommandTest.runWithStdin("", "chat", run.toString(), "--batch-input", input.toString(), "--batch-output",
                output.toString(), "--batch-size", "1", "--temperature", "0", "--max-new-tokens", String.valueOf(MAX_NEW));
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(2);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(0)).get("answer").asText().strip()).isEqualTo(first);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(1)).get("answer").asText().strip()).isEqualTo(plain);
    }

    @Test
    void evalCotScoresTheModelsGreedyAnswersAndRunsTheStageBeam(@TempDir Path tmp) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var rows = json.createArrayNode();
        int right = 0, n = 0;
        List<String> greedyAnswers = new ArrayList<>();
        try (ChatModel m = ChatModel.load(run, null)) {
            MllamaForConditionalGeneration model = (MllamaForConditionalGeneration) m.module;
            for (ShapesDataset.Sample s : heldOut) {
                if (s.image() == null) continue;
                var row = rows.addObject().put("id", s.id()).put("image", s.image());
                row.putArray("conversations").add(json.createObjectNode().put("from", "human").put("value", "<image>\n" + s.question()))
                        .add(json.createObjectNode().put("from", "gpt").put("value", "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION>"
                                + "<REASONING>r</REASONING><CONCLUSION>" + s.answer() + "</CONCLUSION>"));
                String said = greedy(model, s.question(), data.resolve(s.image()));
                greedyAnswers.add(said);
                if (said.equals(s.answer())) right++;
                n++;
            }
        }
        Path bench = data.resolve("heldout_cot.json");
        json.writeValue(bench.toFile(), rows);
        for (int beam : new int[] {1, 2}) {
            Path out = tmp.resolve("beam" + beam);
            String table = ChatCommandTest.runWithStdin("", "eval", run.toString(), "--cot", bench.toString(), "--stage-beam",
                    String.valueOf(beam), "--max-new-tokens", String.valueOf(MAX_NEW), "--output", out.toString());
            var r = json.readTree(out.resolve("results.json").toFile()).get("cot").get(0);
            System.out.println("mllama eval --cot (stage beam " + beam + "): greedy check " + right + "/" + n + "\n" + table);
            assertThat(r.get("items").asInt()).isEqualTo(n);
            if (beam == 1) {
                assertThat(r.get("answer_accuracy").asDouble()).isEqualTo((double) right / n);
                List<String> predicted = new ArrayList<>();
                for (String line : Files.readAllLines(out.resolve("predictions.jsonl"))) predicted.add(json.readTree(line).get("prediction").asText().strip());
                assertThat(predicted).as("eval --cot's answers are the greedy answers").isEqualTo(greedyAnswers);
            }
            assertThat(Files.readAllLines(out.resolve("predictions.jsonl"))).hasSize(n);
        }
    }

    @Test
    void evalVqaScoresTheModelsGreedyAnswers(@TempDir Path tmp) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        StringBuilder lines = new StringBuilder();
        double right = 0;
        int n = 0;
        List<String> greedyAnswers = new ArrayList<>();
        try (ChatModel m = ChatModel.load(run, null)) {
            MllamaForConditionalGeneration model = (MllamaForConditionalGeneration) m.module;
            for (ShapesDataset.Sample s : heldOut) {
                if (s.image() == null) continue;
                lines.append(json.writeValueAsString(json.createObjectNode().put("question_id", n++).put("image", s.image())
                        .put("text", s.question()).put("answer", s.answer()))).append('\n');
                String said = greedy(model, s.question(), data.resolve(s.image()));
                greedyAnswers.add(said);
                if (org.jtuner.eval.VqaScoring.normalize(said).equals(org.jtuner.eval.VqaScoring.normalize(s.answer()))) right++;
            }
        }
        Path file = tmp.resolve("vqa.jsonl"), out = tmp.resolve("vqa-out");
        Files.writeString(file, lines);
        String table = ChatCommandTest.runWithStdin("", "eval", run.toString(), "--vqa", file.toString(), "--image-folder",
                data.toString(), "--system", "", "--max-new-tokens", String.valueOf(MAX_NEW), "--output", out.toString());
        var results = json.readTree(out.resolve("results.json").toFile());
        System.out.println("mllama eval --vqa: greedy check " + right + "/" + n + "\n" + table);
        assertThat(results.get("total").asInt()).isEqualTo(n);
        assertThat(results.get("accuracy").asDouble()).isEqualTo(right / n);
        List<String> predicted = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("predictions.jsonl"))) predicted.add(json.readTree(line).get("answer").asText().strip());
        assertThat(predicted).as("eval --vqa's answers (batched) are the greedy answers").isEqualTo(greedyAnswers);
    }

    /** Greedy decoding by full forwards of one unpadded row; the answer's text. */
    private static String greedy(MllamaForConditionalGeneration model, String question, Path image) throws Exception {
        Tokenizer tokenizer = Tokenizer.load(modelDir);
        ChatTemplate template = ChatTemplate.fromTokenizerConfig(modelDir.resolve("tokenizer_config.json"));
        List<Map<String, Object>> content = new ArrayList<>();
        if (image != null) content.add(Map.of("type", "image"));
        content.add(Map.of("type", "text", "text", question));
        int[] ids = tokenizer.encode(template.render(List.of(Map.of("role", "user", "content", content)), true), false);
        TiledImage tiled = image == null ? null : new MllamaImageProcessor(MllamaProcessorConfig.fromFile(
                modelDir.resolve("preprocessor_config.json"))).preprocess(Images.read(image));
        int tiles = model.config().maxNumTiles(), size = model.config().visionConfig().imageSize();
        int eos = tokenizer.eosId(), v = model.config().textConfig().vocabSize();
        List<Integer> answer = new ArrayList<>();
        try (AutoCloseable ng = Autograd.noGrad()) {
            for (int step = 0; step < MAX_NEW; step++) {
                int t = ids.length;
                try (Scope s = Scope.open()) {
                    int[] mask = new int[t];
                    Arrays.fill(mask, 1);
                    Tensor pv = null, ari = null, arm = null, xmask = null;
                    if (tiled != null) {
                        MllamaImageBatch b = MllamaImageBatch.pack(List.of(List.of(tiled)), tiles, size);
                        pv = Tensor.of(b.pixelValues(), 1, 1, tiles, 3, size, size);
                        ari = Tensor.ofInts(ints(b.aspectRatioIds()), 1, 1);
                        arm = Tensor.ofInts(ints(b.aspectRatioMask()), 1, 1, tiles);
                        long[][] row = {Arrays.stream(ids).asLongStream().toArray()};
                        xmask = Tensor.ofInts(ints(CrossAttentionMask.dense(row, new int[][] {{tiled.numTiles()}},
                                model.config().imageTokenIndex(), tiles)), 1, t, 1, tiles);
                    }
                    float[] logits = model.forward(Tensor.ofInts(ids, 1, t), Tensor.ofInts(mask, 1, t), pv, ari, arm, xmask).toFloatArray();
                    int best = 0, base = (t - 1) * v;
                    for (int k = 1; k < v; k++) if (logits[base + k] > logits[base + best]) best = k;
                    if (best == eos) break;
                    answer.add(best);
                    ids = Arrays.copyOf(ids, t + 1);
                    ids[t] = best;
                }
            }
        }
        return tokenizer.decode(answer.stream().mapToInt(Integer::intValue).toArray(), true).strip();
    }

    private static int[] ints(long[] v) {
        return Arrays.stream(v).mapToInt(Math::toIntExact).toArray();
    }
}

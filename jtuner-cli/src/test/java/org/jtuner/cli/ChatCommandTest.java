package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.data.DataConfig;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.generate.TextListener;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.text.template.PromptTemplates;
import org.jtuner.train.Evaluator;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.demo.Demo;
import org.jtuner.train.demo.ShapesDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `jtuner chat` on the demo's trained model (its stages run small here): the interactive loop driven through
 * standard input, and batch mode. The expected answers are the trainer's Evaluator's greedy answers (its own prompt
 * building, one sample at a time), and for a follow-up turn the greedy continuation of the two-round prompt.
 */
class ChatCommandTest {
    static final int MAX_NEW = 8;
    @TempDir static Path work;
    static Path stage2, data;
    static List<ShapesDataset.Sample> heldOut;

    @BeforeAll
    static void trainTheDemo() {
        Demo.run(work, 1500, 12, new PrintStream(new ByteArrayOutputStream()));
        stage2 = work.resolve("stage2");
        data = work.resolve("data");
        heldOut = ShapesDataset.generate(data, "test", 12, 0.15, 32, 2); // the demo's held-out set, as it made it
    }

    /** The Evaluator over the work dir's model, and a greedy continuation of a conversation. */
    record Reference(ChatModel model, Evaluator evaluator) implements AutoCloseable {
        static Reference open() throws Exception {
            ChatModel m = ChatModel.load(stage2, null);
            var tree = (com.fasterxml.jackson.databind.node.ObjectNode) ConfigFiles.YAML.readTree(stage2.resolve("config.yaml").toFile());
            DataConfig dc = DataConfig.fromYamlSection(tree.get("data"));
            Evaluator e = new Evaluator((LlavaForConditionalGeneration) m.module, m.generator.tokenizer(),
                    PromptTemplates.get(dc.template()), m.images, "", MAX_NEW);
            return new Reference(m, e);
        }

        String followUp(String first, Path image, String firstAnswer, String second) throws Exception {
            var p = model.prompts.build(null, List.of(new PromptBuilder.Exchange("<image>\n" + first, firstAnswer)), second,
                    List.of(model.images.load(image)));
            Integer eos = model.generator.tokenizer().eosId();
            return model.generator.generate(p, GenerationConfig.greedy(MAX_NEW, List.of(eos)).withStopStrings(model.prompts.stopWords()),
                    TextListener.NONE).text().strip();
        }

        @Override
        public void close() {
            model.close();
        }
    }

    static List<ShapesDataset.Sample> withImage() {
        return heldOut.stream().filter(s -> s.image() != null).toList();
    }

    static ShapesDataset.Sample textOnly() {
        return heldOut.stream().filter(s -> s.image() == null).findFirst()
                .orElse(new ShapesDataset.Sample("t", null, "what is the colour of the sky?", "blue"));
    }

    @Test
    void theInteractiveLoopKeepsTheConversationResetsAndLoadsImages() throws Exception {
        ShapesDataset.Sample a = withImage().get(0), b = withImage().get(1), t = textOnly();
        Path imageA = data.resolve(a.image()), imageB = data.resolve(b.image());
        String followUp = "what is the colour of the shape?";
        List<String> expected = new ArrayList<>();
        try (Reference ref = Reference.open()) {
            String first = ref.evaluator().answer(a.question(), imageA);
            expected.add(first);
            expected.add(ref.followUp(a.question(), imageA, first, followUp));
            expected.add(first); // after RESET the same question gets the same first answer
            expected.add(ref.evaluator().answer(b.question(), imageB));
            expected.add(ref.evaluator().answer(t.question(), null));
        }
        String script = String.join("\n", a.question(), followUp, "RESET", a.question(), "/image " + imageB,
                b.question(), "/image", t.question(), "EXIT") + "\n";
        String out = runWithStdin(script, "chat", stage2.toString(), "--image", imageA.toString(), "--temperature", "0",
                "--max-new-tokens", String.valueOf(MAX_NEW));
        List<String> answers = out.lines().map(String::strip).toList();
        assertThat(answers).as(out).isEqualTo(expected);
        assertThat(answers.get(0)).isNotEmpty();
    }

    @Test
    void batchModeAnswersAJsonlInBatchesAsGreedyDecodingDoesOneByOne(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<ShapesDataset.Sample> rows = new ArrayList<>(withImage().subList(0, 4));
        rows.add(textOnly());
        StringBuilder in = new StringBuilder();
        for (ShapesDataset.Sample s : rows) {
            var o = json.createObjectNode().put("id", s.id()).put("prompt", s.question());
            if (s.image() != null) o.put("image", data.resolve(s.image()).toString());
            in.append(json.writeValueAsString(o)).append('\n');
        }
        Path input = tmp.resolve("in.jsonl"), output = tmp.resolve("out.jsonl");
        Files.writeString(input, in);
        runWithStdin("", "chat", stage2.toString(), "--batch-input", input.toString(), "--batch-output", output.toString(),
                "--batch-size", "3", "--temperature", "0", "--max-new-tokens", String.valueOf(MAX_NEW));
        List<String> lines = Files.readAllLines(output);
        assertThat(lines).hasSize(rows.size());
        int right = 0;
        try (Reference ref = Reference.open()) {
            for (int i = 0; i < rows.size(); i++) {
                ShapesDataset.Sample s = rows.get(i);
                JsonNode o = json.readTree(lines.get(i));
                assertThat(o.get("id").asText()).isEqualTo(s.id());
                String expected = ref.evaluator().answer(s.question(), s.image() == null ? null : data.resolve(s.image()));
                assertThat(o.get("answer").asText().strip()).as("row %d", i).isEqualTo(expected);
                assertThat(o.get("finish_reason").asText()).isIn("stop", "length");
                if (expected.equals(s.answer())) right++;
            }
        }
        System.out.println("chat batch: " + right + "/" + rows.size() + " answers right");
    }

    @Test
    void evalOnTheHeldOutQuestionsAsAMultipleChoiceTsvGivesTheDemosOwnAccuracy(@TempDir Path tmp) throws Exception {
        List<List<String>> kinds = List.of(ShapesDataset.COLORS, ShapesDataset.SHAPES, ShapesDataset.COUNTS, ShapesDataset.POSITIONS);
        StringBuilder tsv = new StringBuilder("index\tquestion\tA\tB\tC\tD\tanswer\tcategory\timage\n");
        java.util.Random random = new java.util.Random(5);
        int right = 0, n = 0;
        java.util.Map<String, String> greedy = new java.util.HashMap<>();
        try (Reference ref = Reference.open()) {
            for (ShapesDataset.Sample s : withImage()) {
                List<String> kind = kinds.stream().filter(k -> k.contains(s.answer())).findFirst().orElse(null);
                if (kind == null || kind.size() < 3) continue;
                List<String> options = new ArrayList<>(kind);
                java.util.Collections.shuffle(options, random);
                options = new ArrayList<>(options.subList(0, Math.min(4, options.size())));
                if (!options.contains(s.answer())) options.set(0, s.answer());
                java.util.Collections.shuffle(options, random);
                tsv.append(n);
                tsv.append('\t').append(s.question());
                for (int k = 0; k < 4; k++) tsv.append('\t').append(k < options.size() ? options.get(k) : "");
                tsv.append('\t').append((char) ('A' + options.indexOf(s.answer()))).append('\t').append(s.question().split(" ")[1])
                        .append('\t').append(java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(data.resolve(s.image()))))
                        .append('\n');
                String answer = ref.evaluator().answer(s.question(), data.resolve(s.image()));
                greedy.put(s.id(), answer);
                if (answer.equals(s.answer())) right++;
                n++;
            }
        }
        assertThat(n).isGreaterThanOrEqualTo(5);
        Path bench = tmp.resolve("heldout.tsv");
        Files.writeString(bench, tsv);
        ObjectMapper json = new ObjectMapper();
        for (boolean circular : new boolean[] {false, true}) {
            Path out = tmp.resolve(circular ? "circular" : "plain");
            List<String> args = new ArrayList<>(List.of("eval", stage2.toString(), "--mcq", bench.toString(), "--prompt-style",
                    "question", "--system", "", "--max-new-tokens", String.valueOf(MAX_NEW), "--output", out.toString()));
            if (circular) args.add("--circular");
            String table = runWithStdin("", args.toArray(String[]::new));
            JsonNode results = json.readTree(out.resolve("results.json").toFile());
            System.out.println("eval (circular " + circular + "): demo check " + right + "/" + n + "\n" + table);
            assertThat(results.get("questions").asInt()).isEqualTo(n);
            if (!circular) assertThat(results.get("vanilla").get("right").asInt()).isEqualTo(right);
            else assertThat(results.get("circular").get("right").asInt()).isEqualTo(right);
            assertThat(out.resolve("predictions.xlsx")).exists();
            assertThat(table).contains("overall");
        }
    }

    @Test
    void evalVqaOnTheHeldOutQuestionsGivesTheDemosOwnAccuracy(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        StringBuilder lines = new StringBuilder();
        double right = 0;
        List<ShapesDataset.Sample> rows = withImage();
        try (Reference ref = Reference.open()) {
            for (int i = 0; i < rows.size(); i++) {
                ShapesDataset.Sample s = rows.get(i);
                lines.append(json.writeValueAsString(json.createObjectNode().put("question_id", i).put("image", s.image())
                        .put("text", s.question()).put("answer", s.answer()).put("category", s.question().split(" ")[1]))).append('\n');
                String said = ref.evaluator().answer(s.question(), data.resolve(s.image()));
                if (org.jtuner.eval.VqaScoring.normalize(said).equals(org.jtuner.eval.VqaScoring.normalize(s.answer()))) right++;
            }
        }
        Path file = tmp.resolve("vqa.jsonl"), out = tmp.resolve("vqa-out");
        Files.writeString(file, lines);
        String table = runWithStdin("", "eval", stage2.toString(), "--vqa", file.toString(), "--image-folder", data.toString(),
                "--system", "", "--max-new-tokens", String.valueOf(MAX_NEW), "--output", out.toString());
        JsonNode results = json.readTree(out.resolve("results.json").toFile());
        System.out.println("eval --vqa: demo check " + right + "/" + rows.size() + "\n" + table);
        assertThat(results.get("total").asInt()).isEqualTo(rows.size());
        assertThat(results.get("accuracy").asDouble()).isEqualTo(right / rows.size());
        assertThat(Files.readAllLines(out.resolve("predictions.jsonl"))).hasSize(rows.size());
    }

    @Test
    void evalCotScoresTheConclusionAndTheStructurePerFileAndRunsTheStageBeam(@TempDir Path tmp) throws Exception {
        // the demo's held-out image questions with staged references; the plain demo model answers one word, so its
        // structure validity is 0 and its answers are scored as a whole (no <CONCLUSION>): the Evaluator's accuracy
        ObjectMapper json = new ObjectMapper();
        var rows = json.createArrayNode();
        int right = 0, n = 0;
        java.util.Map<String, String> greedy = new java.util.HashMap<>();
        try (Reference ref = Reference.open()) {
            for (ShapesDataset.Sample s : withImage()) {
                var row = rows.addObject().put("id", s.id()).put("image", s.image());
                row.putArray("conversations").add(json.createObjectNode().put("from", "human").put("value", "<image>\n" + s.question()))
                        .add(json.createObjectNode().put("from", "gpt").put("value", "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION>"
                                + "<REASONING>r</REASONING><CONCLUSION>" + s.answer() + "</CONCLUSION>"));
                String answer = ref.evaluator().answer(s.question(), data.resolve(s.image()));
                greedy.put(s.id(), answer);
                if (answer.equals(s.answer())) right++;
                n++;
            }
        }
        Path bench = data.resolve("heldout_cot.json");
        json.writeValue(bench.toFile(), rows);
        for (int beam : new int[] {1, 2}) {
            Path out = tmp.resolve("beam" + beam);
            String table = runWithStdin("", "eval", stage2.toString(), "--cot", bench.toString(), "--stage-beam", String.valueOf(beam),
                    "--max-new-tokens", String.valueOf(MAX_NEW), "--output", out.toString());
            JsonNode r = json.readTree(out.resolve("results.json").toFile()).get("cot").get(0);
            System.out.println("eval --cot (stage beam " + beam + "): demo check " + right + "/" + n + "\n" + table);
            assertThat(r.get("items").asInt()).isEqualTo(n);
            assertThat(r.get("structure_validity").asDouble()).isZero();
            if (beam == 1) assertThat(r.get("answer_accuracy").asDouble()).isEqualTo((double) right / n);
            List<String> predictions = Files.readAllLines(out.resolve("predictions.jsonl"));
            assertThat(predictions).hasSize(n);
            if (beam == 1) {
                // one candidate is plain greedy decoding: each answer is the trainer's greedy answer
                for (String line : predictions) {
                    JsonNode p = json.readTree(line);
                    assertThat(p.get("prediction").asText().strip()).as(p.get("id").asText()).isEqualTo(greedy.get(p.get("id").asText()));
                }
            }
            assertThat(table).contains("heldout_cot.json");
        }
    }

    static String runWithStdin(String stdin, String... args) {
        InputStream savedIn = System.in;
        PrintStream savedOut = System.out, savedErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute(args);
            assertThat(code).as(err.toString()).isZero();
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            System.setIn(savedIn);
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
    }
}

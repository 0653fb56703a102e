package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.demo.DemoTokenizer;
import org.jtuner.vision.PixelValues;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner chat} on XTuner's pieces, as {@code xtuner chat} takes them, on {@code tiny-llava-xtuner-release}:
 * the base LLM as MODEL, {@code --visual-encoder}, {@code --llava} the adapter folder (llm_adapter/,
 * visual_encoder_adapter/, projector/), and the release with llm/ and visual_encoder/ inside. The expected answers
 * are the greedy answers of the folder {@code jtuner merge} makes of the same release (checked by MergeCommandTest
 * against tiny-llava's reference logits), prompt by prompt. The fixture has no tokenizer: the test writes a
 * byte-level BPE one of exactly 320 ids (the model's vocabulary) beside the LLM.
 */
class ChatXtunerReleaseTest {
    static final int MAX_NEW = 8;
    static final String TEMPLATE = "vicuna";
    @TempDir static Path tmp;
    static Path base, tower, adapters, full, merged;
    static List<Path> images;

    @BeforeAll
    static void layOutThePieces() throws Exception {
        Path release = Fixtures.path("tiny-llava-xtuner-release");
        List<String> chars = new ArrayList<>();
        for (char c : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678".toCharArray()) chars.add(String.valueOf(c));
        base = copy(release.resolve("llm"), tmp.resolve("base-llm"));
        assertThat(DemoTokenizer.write(base, chars)).as("tokenizer ids = the model's vocabulary").isEqualTo(320);
        tower = copy(release.resolve("visual_encoder"), tmp.resolve("clip"));
        adapters = tmp.resolve("adapters");
        for (String part : List.of("llm_adapter", "visual_encoder_adapter", "projector")) copy(release.resolve(part), adapters.resolve(part));
        full = tmp.resolve("full-release");
        copy(adapters, full);
        copy(base, full.resolve("llm"));
        copy(tower, full.resolve("visual_encoder"));
        merged = tmp.resolve("merged");
        List<String> merge = MergeCommandTest.mergeArgs(release, merged);
        merge.set(merge.indexOf("--llm") + 1, base.toString()); // the LLM with the tokenizer, so the merged folder has it
        CliErrorsTest.Run r = CliErrorsTest.run(merge.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        images = List.of(Fixtures.path("clip-image-processor", "small_64x48.png"), Fixtures.path("clip-image-processor", "tall_200x300.png"));
    }

    static Path copy(Path from, Path to) throws Exception {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        return to;
    }

    /** The merged folder's greedy answer to one prompt (with one image or none). */
    static String mergedAnswer(ChatModel m, String text, Path image) throws Exception {
        List<PixelValues> pixels = image == null ? List.of() : List.of(m.images.load(image));
        Prompt p = m.prompts.build(null, List.of(), (image == null ? "" : "<image>\n") + text, pixels);
        Integer eos = m.generator.tokenizer().eosId();
        return m.generator.generate(p, GenerationConfig.greedy(MAX_NEW, List.of(eos)).withStopStrings(m.prompts.stopWords()),
                TextListener.NONE).text();
    }

    @Test
    void batchModeOnTheBaseLlmTheVisualEncoderAndTheAdapterFolderAnswersAsTheMergedModel() throws Exception {
        String[] texts = {"what is it?", "describe the picture", "say hello"};
        Path[] rowImages = {images.get(0), images.get(1), null};
        ObjectMapper json = new ObjectMapper();
        StringBuilder in = new StringBuilder();
        for (int i = 0; i < texts.length; i++) {
            var o = json.createObjectNode().put("id", i).put("prompt", texts[i]);
            if (rowImages[i] != null) o.put("image", rowImages[i].toString());
            in.append(json.writeValueAsString(o)).append('\n');
        }
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, in);
        List<String> expected = new ArrayList<>();
        try (ChatModel m = ChatModel.load(merged, TEMPLATE)) {
            for (int i = 0; i < texts.length; i++) expected.add(mergedAnswer(m, texts[i], rowImages[i]));
        }
        assertThat(expected).as("the model says something").anyMatch(a -> !a.isBlank());
        assertThat(expected.get(0)).as("the image matters").isNotEqualTo(expected.get(1));
        for (List<String> model : List.of(
                List.of(base.toString(), "--visual-encoder", tower.toString(), "--llava", adapters.toString()),
                List.of("--llava", full.toString()))) {
            Path output = tmp.resolve("out-" + model.size() + ".jsonl");
            List<String> args = new ArrayList<>(List.of("chat"));
            args.addAll(model);
            args.addAll(List.of("--prompt-template", TEMPLATE, "--temperature", "0", "--max-new-tokens", String.valueOf(MAX_NEW),
                    "--batch-input", input.toString(), "--batch-output", output.toString(), "--batch-size", "2"));
            ChatCommandTest.runWithStdin("", args.toArray(String[]::new));
            List<String> answers = new ArrayList<>();
            for (String line : Files.readAllLines(output)) answers.add(json.readTree(line).get("answer").asText());
            assertThat(answers).as("%s", model).isEqualTo(expected);
        }
    }

    @Test
    void theInteractiveLoopOnTheReleaseAnswersAsTheMergedModel() throws Exception {
        String expected;
        try (ChatModel m = ChatModel.load(merged, TEMPLATE)) {
            expected = mergedAnswer(m, "what is it?", images.get(0));
        }
        String out = ChatCommandTest.runWithStdin("what is it?\nEXIT\n", "chat", base.toString(), "--visual-encoder", tower.toString(),
                "--llava", adapters.toString(), "--prompt-template", TEMPLATE, "--image", images.get(0).toString(),
                "--temperature", "0", "--max-new-tokens", String.valueOf(MAX_NEW));
        assertThat(out.strip()).isEqualTo(expected.strip());
    }

    @Test
    void aVisualEncoderWithoutAReleaseFolderIsAUsageError() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        CliErrorsTest.Run r;
        try {
            r = CliErrorsTest.run("chat", merged.toString(), "--visual-encoder", tower.toString());
        } finally {
            System.setErr(saved);
        }
        assertThat(r.code()).isNotZero();
        assertThat(r.err() + err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("--visual-encoder goes with --llava");
    }
}

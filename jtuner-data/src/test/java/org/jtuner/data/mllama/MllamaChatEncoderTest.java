package org.jtuner.data.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jtuner.data.EncodedSample;
import org.jtuner.data.ProblemKind;
import org.jtuner.data.RawSample;
import org.jtuner.data.SourceRef;
import org.jtuner.testing.Fixtures;
import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MllamaChatEncoder with a Llama-3.2-Vision-style chat template. No tokenizer in ../shared/fixtures has that
 * template or {@code <|image|>}, so the test makes one: the fixture Llama 3 tokenizer with {@code <|image|>} added as
 * special token 128256 (as Llama 3.2 Vision has it), and {@code mllama/chat_template.jinja} (a small template of the
 * shape of Llama-3.2-11B-Vision-Instruct's). {@code mllama/chat_reference.json} holds the texts Python's jinja2
 * renders for these conversations as transformers' apply_chat_template does ({@code make_chat_reference.py} beside it
 * made them); the ids must be the tokenization of that whole text, and the trained labels exactly the answers with
 * their {@code <|eot_id|>}.
 */
class MllamaChatEncoderTest {
    private static final int IMAGE = 128256;
    private static Tokenizer tokenizer;
    private static ChatTemplate template;
    private static JsonNode reference;

    @BeforeAll
    static void setUp(@TempDir Path tmp) throws IOException {
        Path llama3 = Fixtures.path("tokenizers", "llama3");
        ObjectMapper json = new ObjectMapper();
        ObjectNode tok = (ObjectNode) json.readTree(llama3.resolve("tokenizer.json").toFile());
        ((ArrayNode) tok.get("added_tokens")).addObject().put("id", IMAGE).put("content", "<|image|>")
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                .put("special", true);
        Files.writeString(tmp.resolve("tokenizer.json"), json.writeValueAsString(tok));
        Files.copy(llama3.resolve("tokenizer_config.json"), tmp.resolve("tokenizer_config.json"));
        tokenizer = Tokenizer.load(tmp);
        template = ChatTemplate.of(resource("chat_template.jinja"), Map.of("bos_token", "<|begin_of_text|>"));
        reference = json.readTree(resource("chat_reference.json"));
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = MllamaChatEncoderTest.class.getResourceAsStream("/mllama/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static RawSample row(List<String> images, String... turns) {
        List<RawSample.Message> messages = new ArrayList<>();
        for (int i = 0; i < turns.length; i++) messages.add(new RawSample.Message(i % 2 == 0 ? "human" : "gpt", turns[i]));
        return new RawSample(new SourceRef(Path.of("/data/train.json"), 3, "s1"), images, messages);
    }

    private static EncodedSample encode(RawSample row, int maxLength) {
        MllamaChatEncoder.Result r = new MllamaChatEncoder(tokenizer, template, IMAGE, maxLength, null).encode(row);
        assertThat(r.kept()).as("%s", r.problem()).isTrue();
        return r.sample();
    }

    /** The trained tokens, decoded run by run. */
    private static List<String> trainedRuns(EncodedSample s) {
        List<String> runs = new ArrayList<>();
        List<Integer> run = new ArrayList<>();
        for (int i = 0; i <= s.length(); i++) {
            if (i < s.length() && s.labels()[i] != EncodedSample.IGNORE_INDEX) {
                assertThat(s.labels()[i]).isEqualTo(s.inputIds()[i]);
                run.add(s.labels()[i]);
            } else if (!run.isEmpty()) {
                runs.add(tokenizer.decode(run.stream().mapToInt(Integer::intValue).toArray(), false));
                run.clear();
            }
        }
        return runs;
    }

    private static void assertIdsAreTheReferenceText(EncodedSample s, String name) {
        String text = reference.get(name).get("text").asText();
        assertThat(tokenizer.decode(s.inputIds(), false)).isEqualTo(text);
        assertThat(s.inputIds()).containsExactly(tokenizer.encode(text, false));
    }

    @Test
    void templateRendersAsJinja2Does() {
        for (String name : List.of("one_image", "two_rounds_two_images", "text_only")) {
            List<Map<String, Object>> messages = new ObjectMapper().convertValue(reference.get(name).get("messages"),
                    new com.fasterxml.jackson.core.type.TypeReference<>() {});
            assertThat(template.render(messages, false)).as(name).isEqualTo(reference.get(name).get("text").asText());
            assertThat(template.render(messages.subList(0, 1), true)).as(name)
                    .isEqualTo(reference.get(name).get("prompt").asText());
        }
    }

    @Test
    void oneImageSample() {
        EncodedSample s = encode(row(List.of("red.png"), "<image>\nWhat is shown?", "A red square."), 256);
        assertIdsAreTheReferenceText(s, "one_image");
        assertThat(trainedRuns(s)).containsExactly("A red square.<|eot_id|>");
        assertThat(s.imagePositions()).containsExactly(5); // bos, <|start_header_id|>, user, <|end_header_id|>, \n\n
        assertThat(s.inputIds()[5]).isEqualTo(IMAGE);
        assertThat(s.images()).containsExactly(Path.of("/data/red.png"));
    }

    @Test
    void twoRoundsTwoImages() {
        EncodedSample s = encode(row(List.of("a.png", "b.png"), "<image>\n<image>\nCompare them.",
                "The left one is larger.", "And the colours?", "Both are blue."), 256);
        assertIdsAreTheReferenceText(s, "two_rounds_two_images");
        assertThat(trainedRuns(s)).containsExactly("The left one is larger.<|eot_id|>", "Both are blue.<|eot_id|>");
        assertThat(s.imagePositions()).containsExactly(5, 6);
        assertThat(s.images()).containsExactly(Path.of("/data/a.png"), Path.of("/data/b.png"));
    }

    @Test
    void textOnlySample() {
        EncodedSample s = encode(row(List.of(), "Say hi.", "Hi!"), 256);
        assertIdsAreTheReferenceText(s, "text_only");
        assertThat(trainedRuns(s)).containsExactly("Hi!<|eot_id|>");
        assertThat(s.hasImages()).isFalse();
    }

    @Test
    void truncationDropsTheImagesItCutsOff() {
        // Round 1 text only, round 2 with an image: a cut after round 1's answer drops round 2's image.
        RawSample r = row(List.of("cat.png"), "Say hi.", "Hi!", "<image>\nAnd this?", "A cat.");
        int firstRound = tokenizer.encode(reference.get("text_only").get("text").asText(), false).length;
        EncodedSample whole = encode(r, 256);
        assertThat(whole.images()).hasSize(1);
        assertThat(whole.inputIds()[firstRound + 4]).isEqualTo(IMAGE); // after <|start_header_id|>user<|end_header_id|>\n\n
        EncodedSample cut = encode(r, firstRound + 4);
        assertThat(cut.length()).isEqualTo(firstRound + 4);
        assertThat(cut.truncated()).isTrue();
        assertThat(cut.images()).isEmpty();
        assertThat(cut.imagePositions()).isEmpty();
        assertThat(trainedRuns(cut)).containsExactly("Hi!<|eot_id|>");
        MllamaChatEncoder.Result none = new MllamaChatEncoder(tokenizer, template, IMAGE, 6, null).encode(r);
        assertThat(none.kept()).isFalse();
        assertThat(none.problem().kind()).isEqualTo(ProblemKind.NO_TRAINED_TOKEN);
        assertThat(none.problem().source().line()).isEqualTo(3);
    }

    @Test
    void aMissingImageIsNamed() {
        MllamaChatEncoder.Result r = new MllamaChatEncoder(tokenizer, template, IMAGE, 256, null)
                .encode(row(List.of(), "<image>\nWhat?", "This."));
        assertThat(r.kept()).isFalse();
        assertThat(r.problem().kind()).isEqualTo(ProblemKind.IMAGE_COUNT_MISMATCH);
    }

    /**
     * A LLaVA .json file end to end: encoded, images tiled (their pixels equal to the processor reference of
     * tiny-mllama/processor, transformers 4.47.1), collated with a text-only row; the cross-attention mask lets the
     * image row's tokens from its {@code <|image|>} on see the image's tiles, and the text-only row none.
     */
    @Test
    void aLlavaFileEncodesAndCollatesForMllama(@TempDir Path tmp) throws IOException {
        Path processorDir = Fixtures.path("tiny-mllama", "processor");
        Files.copy(processorDir.resolve("wide_150x60.png"), tmp.resolve("wide.png"));
        Files.writeString(tmp.resolve("train.json"), """
                [{"id": "a", "image": "wide.png", "conversations": [
                   {"from": "human", "value": "What is shown?\\n<image>"}, {"from": "gpt", "value": "A red square."}]},
                 {"id": "b", "conversations": [{"from": "human", "value": "Say hi."}, {"from": "gpt", "value": "Hi!"}]},
                 {"id": "c", "image": "gone.png", "conversations": [
                   {"from": "human", "value": "<image>"}, {"from": "gpt", "value": "?"}]}]
                """);
        MllamaSamples.Encoded encoded = MllamaSamples.encodeFile(tmp.resolve("train.json"),
                new MllamaChatEncoder(tokenizer, template, IMAGE, 256, null));
        assertThat(encoded.samples()).hasSize(3);
        assertIdsAreTheReferenceText(encoded.samples().get(0), "one_image");
        JsonNode kwargs = new ObjectMapper().readTree(processorDir.resolve("processor.json").toFile()).get("kwargs");
        var processor = new org.jtuner.vision.mllama.MllamaImageProcessor(
                org.jtuner.vision.mllama.MllamaProcessorConfig.fromJson(kwargs));
        var rows = List.of(MllamaSamples.row(encoded.samples().get(0), processor),
                MllamaSamples.row(encoded.samples().get(1), processor));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MllamaSamples.row(encoded.samples().get(2), processor))
                .isInstanceOf(org.jtuner.data.BadSampleException.class).hasMessageContaining("gone.png")
                .hasMessageContaining("train.json");

        MllamaBatch batch = new MllamaCollator(128004, IMAGE, 4, 32).collate(rows);
        float[] wide = MllamaCollatorTest.Ref.open(processorDir.resolve("reference.safetensors"))
                .floats("wide_150x60.pixel_values");
        float[] slot0 = java.util.Arrays.copyOf(batch.images().pixelValues(), wide.length);
        assertThat(slot0).containsExactly(wide);
        int seq = batch.seqLen(), tiles = batch.images().numTiles()[0];
        int imageAt = encoded.samples().get(0).imagePositions()[0];
        for (int t = 0; t < seq; t++) {
            for (int k = 0; k < 4; k++) {
                long expected = t >= imageAt && k < tiles ? 1 : 0;
                assertThat(batch.crossAttentionMask()[t * 4 + k]).as("row 0 token %d tile %d", t, k).isEqualTo(expected);
                assertThat(batch.crossAttentionMask()[(seq + t) * 4 + k]).as("row 1 token %d tile %d", t, k).isZero();
            }
        }
    }
}

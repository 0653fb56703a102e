package org.jtuner.data.mllama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jtuner.data.BadSampleException;
import org.jtuner.data.BatchLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.LlavaDataset;
import org.jtuner.testing.Fixtures;
import org.jtuner.vision.mllama.TiledImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mllama data path as a run builds it from its {@code data:} section ({@link MllamaData}): the loader's batches
 * equal the encoder → processor → collator path that {@code MllamaCollatorTest} checks against tiny-mllama;
 * {@code on_bad_sample} and {@code cot_stages} govern bad rows, named by file, line and id; image augmentation
 * reproduces per seed and changes the pixels. Tokenizer: the fixture Llama 3 tokenizer with
 * {@code <|image|>} as 128256 and {@code mllama/chat_template.jinja} as its chat template (as MllamaChatEncoderTest).
 */
class MllamaDataTest {
    private static final int IMAGE = 128256;
    private static final String COT = "<SUMMARY>s</SUMMARY><CAPTION>c</CAPTION><REASONING>r</REASONING><CONCLUSION>red</CONCLUSION>";
    @TempDir
    static Path dir;
    private static Path tokenizer, data;

    @BeforeAll
    static void setUp() throws IOException {
        Path llama3 = Fixtures.path("tokenizers", "llama3");
        ObjectMapper json = new ObjectMapper();
        tokenizer = dir.resolve("tokenizer");
        Files.createDirectories(tokenizer);
        ObjectNode tok = (ObjectNode) json.readTree(llama3.resolve("tokenizer.json").toFile());
        ((ArrayNode) tok.get("added_tokens")).addObject().put("id", IMAGE).put("content", "<|image|>")
                .put("single_word", false).put("lstrip", false).put("rstrip", false).put("normalized", false)
                .put("special", true);
        Files.writeString(tokenizer.resolve("tokenizer.json"), json.writeValueAsString(tok));
        ObjectNode config = (ObjectNode) json.readTree(llama3.resolve("tokenizer_config.json").toFile());
        try (InputStream in = MllamaDataTest.class.getResourceAsStream("/mllama/chat_template.jinja")) {
            config.put("chat_template", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        Files.writeString(tokenizer.resolve("tokenizer_config.json"), json.writeValueAsString(config));
        Files.writeString(tokenizer.resolve("preprocessor_config.json"), """
                {"do_resize": true, "do_pad": true, "size": {"height": 32, "width": 32}, "max_image_tiles": 4, "resample": 2}
                """);
        data = dir.resolve("data");
        Files.createDirectories(data);
        Files.copy(Fixtures.path("tiny-mllama", "row0_image0.png"), data.resolve("a.png"));
        Files.copy(Fixtures.path("tiny-mllama", "processor", "wide_150x60.png"), data.resolve("wide.png"));
        Files.copy(Fixtures.path("tiny-mllama", "processor", "tall_25x90.png"), data.resolve("tall.png"));
        Files.writeString(data.resolve("train.json"), """
                [
                 {"id": "one", "image": "a.png", "conversations": [
                   {"from": "human", "value": "<image>\\nWhat colour?"}, {"from": "gpt", "value": "%s"}]},
                 {"id": "text", "conversations": [
                   {"from": "human", "value": "Hello?"}, {"from": "gpt", "value": "%s"}]},
                 {"id": "two", "image": ["wide.png", "tall.png"], "conversations": [
                   {"from": "human", "value": "<image><image>\\nCompare."}, {"from": "gpt", "value": "%s"}]}
                ]
                """.formatted(COT, COT, COT));
        Files.writeString(data.resolve("bad.json"), """
                [
                 {"id": "fine", "image": "a.png", "conversations": [
                   {"from": "human", "value": "<image>\\nWhat colour?"}, {"from": "gpt", "value": "%s"}]},
                 {"id": "gone", "image": "missing.png", "conversations": [
                   {"from": "human", "value": "<image>\\nWhat colour?"}, {"from": "gpt", "value": "%s"}]},
                 {"id": "unstaged", "conversations": [
                   {"from": "human", "value": "Hello?"}, {"from": "gpt", "value": "just red"}]}
                ]
                """.formatted(COT, COT));
    }

    private static DataConfig config(String file, String extra) {
        try {
            return DataConfig.fromYamlSection(new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree("""
                    files: [%s]
                    image_folder: %s
                    template: chat_template
                    tokenizer: %s
                    image_processor: %s
                    image_token_index: %d
                    image_seq_length: 1
                    per_device_batch_size: 3
                    num_workers: 2
                    cot_stages: true
                    %s
                    """.formatted(data.resolve(file), data, tokenizer, tokenizer, IMAGE, extra)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static MllamaBatch firstBatch(MllamaData d, long seed, int epoch) {
        try (BatchLoader<TiledImage, MllamaBatch> loader = d.loader(1, 0, seed, 128004, s -> {});
             BatchLoader<TiledImage, MllamaBatch>.Epoch e = loader.epoch(epoch)) {
            return e.next();
        }
    }

    @Test
    void theLoaderGivesWhatTheEncoderProcessorAndCollatorGive() throws IOException {
        MllamaData d = MllamaData.open(config("train.json", ""), s -> {});
        MllamaBatch batch = firstBatch(d, 7, 0);
        LlavaDataset ds = d.dataset();
        List<MllamaCollator.Row> rows = new ArrayList<>();
        for (var source : batch.sources()) {
            int index = -1;
            for (int i = 0; i < ds.size(); i++) if (ds.source(i).equals(source)) index = i;
            rows.add(MllamaSamples.row(ds.get(index), d.processor()));
        }
        MllamaBatch expected = new MllamaCollator(128004, IMAGE, 4, 32).collate(rows);
        assertThat(batch.rows()).isEqualTo(3);
        assertThat(batch.inputIds()).containsExactly(expected.inputIds());
        assertThat(batch.labels()).containsExactly(expected.labels());
        assertThat(batch.attentionMask()).containsExactly(expected.attentionMask());
        assertThat(batch.crossAttentionMask()).containsExactly(expected.crossAttentionMask());
        assertThat(batch.images().maxImages()).isEqualTo(2); // the two-image row; the others padded
        assertThat(batch.images().pixelValues()).containsExactly(expected.images().pixelValues());
        assertThat(batch.images().aspectRatioIds()).containsExactly(expected.images().aspectRatioIds());
        assertThat(batch.images().aspectRatioMask()).containsExactly(expected.images().aspectRatioMask());
    }

    @Test
    void badRowsFollowOnBadSampleNamedByFileLineAndId() throws IOException {
        List<String> log = new ArrayList<>();
        MllamaData skipped = MllamaData.open(config("bad.json", "on_bad_sample: skip"), log::add);
        assertThat(skipped.dataset().size()).isEqualTo(1);
        assertThat(String.join("\n", log)).contains("missing.png").contains("unstaged").contains("bad.json");
        assertThatThrownBy(() -> MllamaData.open(config("bad.json", "on_bad_sample: fail"), s -> {}))
                .isInstanceOf(BadSampleException.class).hasMessageContaining("bad.json").hasMessageContaining("gone")
                .hasMessageContaining("missing.png");
    }

    /** check-dataset on an mllama data section: the stage check and the missing image, each offender named. */
    @Test
    void checkDatasetNamesTheOffendersOfAnMllamaSection() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        int status = org.jtuner.data.tools.CheckDataset.run(config("bad.json", ""),
                org.jtuner.data.tools.CheckDataset.Options.DEFAULT, new java.io.PrintStream(bytes, true));
        String out = bytes.toString();
        assertThat(status).as(out).isEqualTo(1);
        assertThat(out).contains("1 tokens per image").contains("bad.json").contains("gone").contains("missing.png")
                .contains("unstaged");
    }

    @Test
    void imageAugmentationReproducesPerSeedAndChangesThePixels() throws IOException {
        MllamaData plain = MllamaData.open(config("train.json", ""), s -> {});
        MllamaData augmented = MllamaData.open(config("train.json",
                "augment: {image: {color_jitter: {p: 1.0, brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.1}}}"), s -> {});
        float[] base = firstBatch(plain, 7, 0).images().pixelValues();
        float[] once = firstBatch(augmented, 7, 0).images().pixelValues();
        assertThat(firstBatch(augmented, 7, 0).images().pixelValues()).containsExactly(once);
        assertThat(once).isNotEqualTo(base);
    }

    @Test
    void theTemplateMustBeTheTokenizersAndTheImageIdItsImageToken() {
        assertThatThrownBy(() -> MllamaData.open(config("train.json", "").withImageTokens(5, 1), s -> {}))
                .hasMessageContaining("<|image|> as id 128256").hasMessageContaining("image_token_index");
    }
}

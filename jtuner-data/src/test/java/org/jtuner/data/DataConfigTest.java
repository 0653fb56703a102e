package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.jtuner.data.config.ConfigException;

class DataConfigTest {
    private static final String FULL = """
            name: demo
            model: {llm: x}
            optim: {lr: 2.0e-5}
            data:
              files: [a.json, b.jsonl]
              image_folder: imgs
              template: vicuna
              max_length: 1024
              pad_image_to_square: true
              tokenizer: tok
              image_processor: clip
              image_token_index: 32000
              image_seq_length: 576
              on_bad_sample: skip
              verify_images: true
              sampler: {type: shuffle, mega_batch_mult: 3, seed: 7}
              per_device_batch_size: 8
              num_workers: 2
            """;

    @Test
    void readsEveryKeyAndIgnoresOtherSections() {
        DataConfig c = DataConfig.fromYamlText(FULL);
        assertThat(c.files()).containsExactly(Path.of("a.json"), Path.of("b.jsonl"));
        assertThat(c.imageFolder()).isEqualTo(Path.of("imgs"));
        assertThat(c.template()).isEqualTo("vicuna");
        assertThat(c.maxLength()).isEqualTo(1024);
        assertThat(c.padImageToSquare()).isTrue();
        assertThat(c.tokenizer()).isEqualTo(Path.of("tok"));
        assertThat(c.imageProcessor()).isEqualTo(Path.of("clip"));
        assertThat(c.imageTokenIndex()).isEqualTo(32000);
        assertThat(c.imageSeqLength()).isEqualTo(576);
        assertThat(c.onBadSample()).isEqualTo(OnBadSample.SKIP);
        assertThat(c.verifyImages()).isTrue();
        assertThat(c.sampler()).isEqualTo(new SamplerConfig(SamplerConfig.Type.SHUFFLE, 3, 7L));
        assertThat(c.perDeviceBatchSize()).isEqualTo(8);
        assertThat(c.numWorkers()).isEqualTo(2);
        // The resolved form reads back to the same config.
        assertThat(DataConfig.fromYamlSection(c.toJson())).isEqualTo(c);
    }

    @Test
    void defaults() {
        DataConfig c = DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: tok}");
        assertThat(c).isEqualTo(DataConfig.of(List.of(Path.of("a.jsonl")), null, "vicuna", Path.of("tok")));
        assertThat(c.maxLength()).isEqualTo(2048);
        assertThat(c.onBadSample()).isEqualTo(OnBadSample.FAIL);
        assertThat(c.sampler().type()).isEqualTo(SamplerConfig.Type.LENGTH_GROUPED);
        assertThat(c.sampler().seed()).isNull();
        assertThat(c.imageTokenIndex()).isEqualTo(-200);
        assertThat(c.imageSeqLength()).isEqualTo(576);
        assertThat(c.perDeviceBatchSize()).isEqualTo(16);
        assertThat(c.numWorkers()).isEqualTo(4);
    }

    @Test
    void unknownKeysNameTheKeyAndTheNearestValidOne() {
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: t, max_lenght: 5}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("data.max_lenght: unknown key; did you mean 'max_length'?");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: t, sampler: {typ: shuffle}}"))
                .hasMessageStartingWith("data.sampler.typ: unknown key; did you mean 'type'?");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: t, xyzzy: 1}"))
                .hasMessageStartingWith("data.xyzzy: unknown key (valid keys: ").hasMessageContaining("files, image_folder");
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: t, on_bad_sample: skp}"))
                .hasMessage("data.on_bad_sample: unknown value 'skp'; did you mean 'skip'? (one of: skip, fail)");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: t, max_length: long}"))
                .hasMessage("data.max_length: expected an integer, got the string \"long\"");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: t, max_length: 0}"))
                .hasMessage("data.max_length: must be in [1, 2147483647], got 0");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {template: vicuna, tokenizer: t}"))
                .hasMessageStartingWith("data.files: required");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, tokenizer: t}"))
                .hasMessageStartingWith("data.template: required");
        assertThatThrownBy(() -> DataConfig.fromYamlText("model: {}")).hasMessageStartingWith("data: missing");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicunna, tokenizer: t}"))
                .hasMessageStartingWith("data.template: unknown prompt template 'vicunna'; did you mean 'vicuna'? (built in: default, zephyr,");
        assertThatThrownBy(() -> DataConfig.fromYamlText("data: {files: a.jsonl, template: vicuna, tokenizer: t, sampler: {type: sorted}}"))
                .hasMessageContaining("data.sampler.type: unknown value 'sorted' (one of: length_grouped, shuffle)");
    }

    @Test
    void fileErrorsNameTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, "data: {files: a.jsonl, template: vicuna, tokenizer: t, num_worker: 2}\n");
        assertThatThrownBy(() -> DataConfig.fromYaml(f))
                .hasMessageStartingWith(f + ": data.num_worker: unknown key; did you mean 'num_workers'?");
    }

    @Test
    void resolvedAgainstABaseFolder() {
        DataConfig c = DataConfig.fromYamlText(FULL).resolvedAgainst(Path.of("/cfg"));
        assertThat(c.files()).containsExactly(Path.of("/cfg/a.json"), Path.of("/cfg/b.jsonl"));
        assertThat(c.tokenizer()).isEqualTo(Path.of("/cfg/tok"));
        assertThat(c.imageFolder()).isEqualTo(Path.of("/cfg/imgs"));
    }
}

package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jtuner.data.TestData.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlavaDatasetTest {
    @TempDir
    Path dir;

    private Path images() {
        png(dir.resolve("img/a.png"), 6, 4, 0x112233);
        png(dir.resolve("img/b.png"), 4, 6, 0x445566);
        return dir.resolve("img");
    }

    @Test
    void filesAreConcatenatedInOrderWithModalityLengths() throws Exception {
        Path img = images();
        Path f1 = jsonl(dir.resolve("one.jsonl"), row("1", List.of("a.png"), "<image>\nQ", "A"), row("2", null, "Q", "A"));
        Path f2 = dir.resolve("two.json");
        Files.writeString(f2, "[" + row("3", List.of("a.png", "b.png"), "<image><image>", "A") + "]");
        LlavaData data = LlavaData.open(config(List.of(f1, f2), img, "vicuna"), tokenizer(), p -> null, s -> {});
        LlavaDataset ds = data.dataset();
        assertThat(ds.size()).isEqualTo(3);
        assertThat(List.of(ds.source(0).id(), ds.source(1).id(), ds.source(2).id())).containsExactly("1", "2", "3");
        assertThat(ds.source(2).file()).isEqualTo(f2);
        int[] lengths = ds.modalityLengths();
        assertThat(lengths[0]).isEqualTo(ds.get(0).length()).isPositive();
        assertThat(lengths[1]).isEqualTo(-ds.get(1).length());
        assertThat(ds.images(2)).containsExactly(img.resolve("a.png"), img.resolve("b.png"));
        assertThat(ds.report().kept()).isEqualTo(3);
        assertThat(ds.report().multiImage()).isEqualTo(1);
        assertThat(ds.report().files()).isEqualTo(2);
    }

    @Test
    void failStopsAtTheFirstBadRowWithFileLineAndReason() {
        Path img = images();
        Path f = jsonl(dir.resolve("d.jsonl"), row("ok", null, "Q", "A"), row("gone", List.of("zzz.png"), "<image>", "A"),
                row("who", null, "Q", "A").replace("\"gpt\"", "\"bot\""));
        assertThatThrownBy(() -> LlavaData.open(config(List.of(f), img, "vicuna"), tokenizer(), p -> null, s -> {}))
                .isInstanceOf(BadSampleException.class)
                .hasMessageStartingWith(f + ":2 (id gone): missing image: " + img.resolve("zzz.png") + " does not exist")
                .hasMessageContaining("on_bad_sample: skip");
    }

    @Test
    void skipCountsAndNamesEveryRowLeftOut() throws Exception {
        Path img = images();
        Path f = jsonl(dir.resolve("d.jsonl"), row("ok", null, "Q", "A"), row("gone", List.of("zzz.png"), "<image>", "A"),
                row("who", null, "Q", "A").replace("\"gpt\"", "\"bot\""), row("empty", null, "Q"));
        List<String> log = new ArrayList<>();
        DataConfig config = config(List.of(f), img, "vicuna").withOnBadSample(OnBadSample.SKIP);
        LlavaDataset ds = LlavaData.open(config, tokenizer(), p -> null, log::add).dataset();
        assertThat(ds.size()).isEqualTo(1);
        assertThat(ds.report().count(ProblemKind.MISSING_IMAGE)).isEqualTo(1);
        assertThat(ds.report().count(ProblemKind.UNKNOWN_FROM)).isEqualTo(1);
        assertThat(ds.report().count(ProblemKind.NO_TRAINED_TOKEN)).isEqualTo(1);
        assertThat(ds.report().dropped()).isEqualTo(3);
        assertThat(log).hasSize(4);
        assertThat(log.get(0)).startsWith("skipped " + f + ":2 (id gone): missing image");
        assertThat(log.get(1)).startsWith("skipped " + f + ":3 (id who): unknown 'from'");
        assertThat(log.get(2)).startsWith("skipped " + f + ":4 (id empty): no trained token");
        assertThat(log.get(3)).startsWith("dataset: 4 rows in 1 file: 1 samples").contains("dropped 3");
    }

    @Test
    void samplesWithNothingToTrainOnAreDroppedEvenUnderFail() throws Exception {
        Path f = jsonl(dir.resolve("d.jsonl"), row("ok", null, "Q", "A"), row("empty", null, "Q"));
        LlavaDataset ds = LlavaData.open(config(List.of(f), null, "vicuna"), tokenizer(), p -> null, s -> {}).dataset();
        assertThat(ds.size()).isEqualTo(1);
        assertThat(ds.report().count(ProblemKind.NO_TRAINED_TOKEN)).isEqualTo(1);
    }

    @Test
    void verifyImagesDecodesEveryImageBeforeTraining() throws Exception {
        Path img = images();
        Files.write(img.resolve("bad.png"), new byte[] {1, 2, 3, 4});
        Path f = jsonl(dir.resolve("d.jsonl"), row("ok", List.of("a.png"), "<image>", "A"), row("bad", List.of("bad.png"), "<image>", "A"));
        DataConfig config = DataConfig.fromYamlSection(config(List.of(f), img, "vicuna").toJson().put("verify_images", true));
        ClipImageLoader clip = new ClipImageLoader(tinyProcessor(), false);
        assertThatThrownBy(() -> LlavaData.open(config, tokenizer(), clip, s -> {}))
                .hasMessageStartingWith(f + ":2 (id bad): unreadable image: " + img.resolve("bad.png"));
        // Without verification only existence is checked, and the bad file passes here.
        DataConfig lazy = config(List.of(f), img, "vicuna");
        assertThat(LlavaData.open(lazy, tokenizer(), clip, s -> {}).dataset().size()).isEqualTo(2);
    }

    @Test
    void parallelEncodingKeepsFileOrder() throws Exception {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 2500; i++) rows.add(row("r" + i, null, "Question " + i, "Answer " + "y".repeat(i % 17)));
        Path f = jsonl(dir.resolve("big.jsonl"), rows.toArray(String[]::new));
        LlavaDataset seq = LlavaDataset.builder(List.of(f), new SampleEncoder(tokenizer(), "vicuna", IMAGE, 3, 2048, null)).workers(0).build();
        LlavaDataset par = LlavaDataset.builder(List.of(f), new SampleEncoder(tokenizer(), "vicuna", IMAGE, 3, 2048, null)).workers(3).build();
        assertThat(par.size()).isEqualTo(2500);
        assertThat(par.modalityLengths()).isEqualTo(seq.modalityLengths());
        for (int i = 0; i < 2500; i += 97) {
            assertThat(par.source(i).id()).isEqualTo("r" + i);
            assertThat(par.get(i).inputIds()).isEqualTo(seq.get(i).inputIds());
        }
    }
}

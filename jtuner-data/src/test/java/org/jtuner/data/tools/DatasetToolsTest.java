package org.jtuner.data.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jtuner.data.TestData.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.jtuner.data.ClipImageLoader;
import org.jtuner.data.DataConfig;

class DatasetToolsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void checkDatasetCountsEveryKindOfProblemAndNamesTheOffenders() {
        PlantedDataset d = new PlantedDataset(dir);
        int status = CheckDataset.run(d.config(), tokenizer(), new ClipImageLoader(tinyProcessor(), true), CheckDataset.Options.DEFAULT, out);
        String text = output();
        assertThat(status).isEqualTo(1);
        assertThat(text).contains(
                "  rows:        12\n",
                "  samples:     5 (3 with images, 1 of them multi-image; 2 text-only)\n",
                "  images:      4\n",
                "  truncated:   1\n",
                "  tokens:      215 (71 trained)\n",
                "  dropped:     7\n",
                "  malformed JSON: 1\n    " + d.jsonl + ":2: Unexpected end-of-input: expected close marker for Array at column 39\n",
                "  unknown 'from': 1\n    " + d.jsonl + ":5 (id speaker): turn 1 is from 'gtp'; expected 'human' or 'gpt' (did you mean 'gpt'?)\n",
                "  <image> count does not match the images: 1\n    " + d.jsonl + ":6 (id count): 0 <image> placeholders in the human turns but 1 image\n",
                "  missing image: 1\n    " + d.jsonl + ":3 (id missing): " + d.images.resolve("nowhere.png") + " does not exist\n",
                "  unreadable image: 1\n    " + d.jsonl + ":4 (id broken): " + d.images.resolve("broken.png") + ": PNG image is truncated",
                "  over-long (truncated): 1\n    " + d.jsonl + ":7 (id long): 107 tokens cut to max_length 64\n",
                "  over-long (cut through an image, dropped): 1\n    " + d.jsonl + ":8 (id cut): 83 tokens; max_length 64 falls inside image 2's tokens [62, 65)\n",
                "  no trained token (dropped): 1\n    " + d.jsonl + ":9 (id noanswer): no gpt answer after a human turn\n",
                "FAILED: 8 problems");
    }

    @Test
    void checkDatasetPassesACleanDataset() {
        png(dir.resolve("images/cat.png"), 12, 8, 0x808080);
        Path data = jsonl(dir.resolve("ok.jsonl"), row("a", List.of("cat.png"), "<image>\nWhat?", "A cat."), row("b", null, "Hi", "Hello."));
        DataConfig config = DataConfig.of(List.of(data), dir.resolve("images"), "vicuna", tokenizerDir()).withImageTokens(IMAGE, 3);
        int status = CheckDataset.run(config, tokenizer(), new ClipImageLoader(tinyProcessor(), false), CheckDataset.Options.DEFAULT, out);
        assertThat(status).isZero();
        assertThat(output()).contains("  samples:     2 (1 with images, 0 of them multi-image; 1 text-only)\n", "OK: no problems found");
    }

    @Test
    void checkDatasetCanAllowTruncation() {
        Path data = jsonl(dir.resolve("long.jsonl"), row("a", null, "Hi", "z".repeat(100)));
        DataConfig config = DataConfig.of(List.of(data), null, "vicuna", tokenizerDir()).withMaxLength(50);
        assertThat(CheckDataset.run(config, tokenizer(), p -> null, new CheckDataset.Options(5, false, true), out)).isZero();
        assertThat(CheckDataset.run(config, tokenizer(), p -> null, new CheckDataset.Options(5, false, false), out)).isEqualTo(1);
    }

    @Test
    void checkDatasetReportsSetupErrorsWithStatusTwo() {
        DataConfig config = DataConfig.of(List.of(dir.resolve("absent.jsonl")), null, "vicuna", tokenizerDir());
        assertThat(CheckDataset.run(config, CheckDataset.Options.DEFAULT, out)).isEqualTo(2);
        assertThat(output()).contains("absent.jsonl");
        DataConfig noTokenizer = DataConfig.of(List.of(dir.resolve("absent.jsonl")), null, "vicuna", dir.resolve("no-tokenizer"));
        assertThat(CheckDataset.run(noTokenizer, CheckDataset.Options.DEFAULT, out)).isEqualTo(2);
        assertThat(output()).contains("cannot load the tokenizer");
    }

    @Test
    void logDatasetShowsTheFirstSampleAsTheModelSeesIt() {
        PlantedDataset d = new PlantedDataset(dir);
        int status = LogDataset.run(d.config(), new LogDataset.Options(LogDataset.Show.ALL, 1), out);
        assertThat(status).isZero();
        String header = "#".repeat(20);
        assertThat(output()).isEqualTo(
                "sample 0: " + d.jsonl + ":1 (id good1), 1 image, 43 tokens (7 trained)\n"
                + header + "   text   " + header + "\n"
                + "<s>USER: <image>\nWhat is this? ASSISTANT:A cat.</s>\n\n"
                + header + "   text(masked)   " + header + "\n"
                + "[-100 x35]A cat.</s>[-100 x1]\n"
                + header + "   input_ids   " + header + "\n"
                + "[256, 85, 83, 69, 82, 58, 32, 269 x3, 10, 87, 104, 97, 116, 32, 105, 115, 32, 116, 104, 105, 115, 63, 32, 65, 83, 83, 73, 83, 84, 65, 78, 84, 58, "
                + "65, 32, 99, 97, 116, 46, 257, 10]\n"
                + header + "   labels   " + header + "\n"
                + "[-100 x35, 65, 32, 99, 97, 116, 46, 257, -100]\n");
    }

    @Test
    void logDatasetListsTheRowsItSkipsOnTheWay() {
        PlantedDataset d = new PlantedDataset(dir);
        int status = LogDataset.run(d.config(), new LogDataset.Options(LogDataset.Show.TEXT, 3), out);
        assertThat(status).isZero();
        String text = output();
        // log-dataset decodes no image: the broken image of row 4 shows; the missing one of row 3 does not exist.
        assertThat(text).contains("skipped " + d.jsonl + ":2: malformed JSON", "skipped " + d.jsonl + ":3 (id missing): missing image",
                "skipped " + d.jsonl + ":5 (id speaker): unknown 'from'", "skipped " + d.jsonl + ":6 (id count)",
                "sample 0: " + d.jsonl + ":1 (id good1)", "sample 1: " + d.jsonl + ":4 (id broken)",
                "sample 2: " + d.jsonl + ":7 (id long), 0 images, 64 tokens (39 trained), truncated to max_length");
        // It reads only as far as it needs.
        assertThat(text).doesNotContain("id cut", "id text1", "id extra");
    }
}

package org.jtuner.data.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jtuner.data.TestData.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.jtuner.data.BadSampleException;
import org.jtuner.data.ClipImageLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.EncodedSample;
import org.jtuner.data.LlavaData;
import org.jtuner.data.OnBadSample;
import org.jtuner.data.ProblemKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LLaVA-CoT data: a hand-made file with two good rows and one offender of each kind of stage defect. */
class CotDatasetTest {
    @TempDir
    Path dir;

    static final String GOOD = "<SUMMARY>Count them.</SUMMARY><CAPTION>Two red squares.</CAPTION>"
            + "<REASONING>I see 2.</REASONING><CONCLUSION>B</CONCLUSION>";

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private Path file() {
        png(dir.resolve("images/a.png"), 12, 8, 0x808080);
        return jsonl(dir.resolve("cot.jsonl"),
                row("good", List.of("a.png"), "<image>\nHow many? Options: A. 1, B. 2", GOOD),                    // line 1
                row("missing", null, "Q?", GOOD.replace("<CAPTION>Two red squares.</CAPTION>", "")),             // line 2
                row("order", null, "Q?", "<CAPTION>c</CAPTION><SUMMARY>s</SUMMARY><REASONING>r</REASONING><CONCLUSION>A</CONCLUSION>"),
                row("unclosed", null, "Q?", GOOD.replace("</REASONING>", "")),                                    // line 4
                row("empty", null, "Q?", GOOD.replace("Count them.", "  ")),                                       // line 5
                row("outside", null, "Q?", GOOD + " Hope that helps!"),                                           // line 6
                row("good2", null, "Q2?", "<SUMMARY>Read.</SUMMARY> <CAPTION>None.</CAPTION>\n<REASONING>Easy.</REASONING> <CONCLUSION>yes</CONCLUSION>"));
    }

    private DataConfig config(Path data) {
        return DataConfig.of(List.of(data), dir.resolve("images"), "vicuna", tokenizerDir()).withImageTokens(IMAGE, 3)
                .withCotStages(true);
    }

    @Test
    void checkDatasetNamesEachOffenderByFileLineAndId() {
        Path data = file();
        int status = CheckDataset.run(config(data), tokenizer(), new ClipImageLoader(tinyProcessor(), false), CheckDataset.Options.DEFAULT, out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).isEqualTo(1);
        assertThat(text).contains(
                "  samples:     2 (1 with images",
                "  CoT: missing stage: 1\n    " + data + ":2 (id missing): answer 1: no <CAPTION> stage\n",
                "  CoT: stages out of order: 1\n    " + data + ":3 (id order): answer 1: <CAPTION> where <SUMMARY> should come",
                "  CoT: unclosed stage: 1\n    " + data + ":4 (id unclosed): answer 1: <REASONING> is never closed with </REASONING>\n",
                "  CoT: empty stage: 1\n    " + data + ":5 (id empty): answer 1: <SUMMARY> is empty\n",
                "  CoT: text outside the stages: 1\n    " + data + ":6 (id outside): answer 1: text after </CONCLUSION>: \"Hope that helps!\"\n",
                "FAILED: 5 problems");
        // stage lengths of the two good answers, in tokens of the byte tokenizer (one per byte)
        assertThat(text).contains("  CoT stages:  2 answers (2 well formed)",
                "    SUMMARY     5 / 8.0 / 11\n", "    CAPTION     5 / 10.5 / 16\n", "    REASONING   5 / 6.5 / 8\n", "    CONCLUSION  1 / 2.0 / 3\n");
    }

    @Test
    void onBadSampleAppliesAndTheLossCoversAllFourStages() throws Exception {
        Path data = file();
        assertThatThrownBy(() -> LlavaData.open(config(data), tokenizer(), new ClipImageLoader(tinyProcessor(), false), s -> {}))
                .isInstanceOf(BadSampleException.class).hasMessageContaining(data + ":2 (id missing)")
                .satisfies(e -> assertThat(((BadSampleException) e).problem().kind()).isEqualTo(ProblemKind.COT_MISSING_STAGE));
        LlavaData skip = LlavaData.open(config(data).withOnBadSample(OnBadSample.SKIP), tokenizer(),
                new ClipImageLoader(tinyProcessor(), false), s -> {});
        assertThat(skip.dataset().size()).isEqualTo(2);
        EncodedSample good = skip.dataset().get(0);
        int[] trained = Arrays.stream(good.labels()).filter(l -> l != EncodedSample.IGNORE_INDEX).toArray();
        // the answer's every byte, tags included, then the template's EOS
        assertThat(tokenizer().decode(trained, true)).isEqualTo(GOOD);
        // without cot_stages the same file loads every row
        assertThat(LlavaData.open(config(data).withCotStages(false), tokenizer(), new ClipImageLoader(tinyProcessor(), false), s -> {})
                .dataset().size()).isEqualTo(7);
        assertThat(DataConfig.fromYamlText("data: {files: [a.json], template: vicuna, tokenizer: t, cot_stages: true}").cotStages()).isTrue();
    }

    @Test
    void logDatasetShowsStageStatisticsAndTheRenderedSample() {
        Path data = file();
        int status = LogDataset.run(config(data), tokenizer(), new LogDataset.Options(LogDataset.Show.TEXT, 1), out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).isZero();
        assertThat(text).contains("  CoT stages:  1 answers (1 well formed)", "    SUMMARY     11 / 11.0 / 11\n", GOOD);
    }
}

package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jtuner.data.TestData.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** Image placeholders, multi-image order, truncation and dropping, with the byte tokenizer and vicuna. */
class SampleEncoderTest {
    private static final Path FOLDER = Path.of("/imgs");

    private static RawSample row(List<String> images, String... messages) {
        List<RawSample.Message> m = new ArrayList<>();
        for (int i = 0; i < messages.length; i++) m.add(new RawSample.Message(i % 2 == 0 ? "human" : "gpt", messages[i]));
        return new RawSample(new SourceRef(Path.of("d.jsonl"), 3, "s"), images, m);
    }

    private static SampleEncoder encoder(int maxLength) {
        return new SampleEncoder(tokenizer(), "vicuna", IMAGE, 4, maxLength, FOLDER);
    }

    private static int[] concat(int[]... parts) {
        return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
    }

    private static int[] repeat(int v, int n) {
        return IntStream.range(0, n).map(i -> v).toArray();
    }

    @Test
    void multiImagePlaceholdersExpandInOrder() {
        EncodedSample s = encoder(4096).encode(row(List.of("first.png", "second.png"), "A<image>B<image>C", "D")).sample();
        // BOS, "USER: A", image 1, "B", image 2, "C ASSISTANT:", answer "D", EOS, SEP
        int[] ids = concat(new int[] {BOS}, bytes("USER: A"), repeat(IMAGE, 4), bytes("B"), repeat(IMAGE, 4), bytes("C ASSISTANT:"),
                bytes("D"), new int[] {EOS}, bytes("\n"));
        assertThat(s.inputIds()).containsExactly(ids);
        assertThat(s.imagePositions()).containsExactly(8, 13);
        assertThat(s.images()).containsExactly(FOLDER.resolve("first.png"), FOLDER.resolve("second.png"));
        int answer = ids.length - 3;
        for (int i = 0; i < ids.length; i++) {
            assertThat(s.labels()[i]).as("label %d", i).isEqualTo(i == answer || i == answer + 1 ? ids[i] : -100);
        }
        assertThat(s.modalityLength()).isEqualTo(ids.length);
        assertThat(s.truncated()).isFalse();
    }

    @Test
    void textOnlySampleHasNegativeModalityLength() {
        EncodedSample s = encoder(4096).encode(row(List.of(), "Hi", "Yo")).sample();
        assertThat(s.hasImages()).isFalse();
        assertThat(s.modalityLength()).isEqualTo(-s.length()).isNegative();
        assertThat(s.inputIds()).containsExactly(concat(new int[] {BOS}, bytes("USER: Hi ASSISTANT:Yo"), new int[] {EOS}, bytes("\n")));
    }

    @Test
    void truncationCutsIdsAndLabelsAtMaxLengthAsXtuner() {
        EncodedSample full = encoder(4096).encode(row(List.of(), "Hi", "Hello there")).sample();
        int max = full.length() - 5;
        SampleEncoder.Result r = encoder(max).encode(row(List.of(), "Hi", "Hello there"));
        assertThat(r.sample().inputIds()).containsExactly(java.util.Arrays.copyOf(full.inputIds(), max));
        assertThat(r.sample().labels()).containsExactly(java.util.Arrays.copyOf(full.labels(), max));
        assertThat(r.sample().truncated()).isTrue();
        assertThat(r.problem().kind()).isEqualTo(ProblemKind.TRUNCATED);
    }

    @Test
    void maxLengthCountsExpandedImageTokens() {
        // BOS + "USER: " (6) = 7 tokens, then the image's 4: a cut at 9 falls inside the image -> dropped.
        SampleEncoder.Result r = encoder(9).encode(row(List.of("a.png"), "<image>", "ok"));
        assertThat(r.kept()).isFalse();
        assertThat(r.problem().kind()).isEqualTo(ProblemKind.TRUNCATION_CUTS_IMAGE);
        assertThat(r.problem().message()).contains("[7, 11)");
        // A cut right after the image keeps it, but no answer is left: dropped for having nothing to train on.
        SampleEncoder.Result r2 = encoder(11).encode(row(List.of("a.png"), "<image>", "ok"));
        assertThat(r2.problem().kind()).isEqualTo(ProblemKind.NO_TRAINED_TOKEN);
    }

    @Test
    void imagesWhoseTokensAreCutOffEntirelyLeaveTheSample() {
        // Round 1 with image 1, round 2 with image 2; cut inside round 2's text before image 2.
        RawSample row = row(List.of("a.png", "b.png"), "<image>", "x", "Now <image>", "y");
        EncodedSample full = encoder(4096).encode(row).sample();
        int cut = full.imagePositions()[1] - 1;
        EncodedSample s = encoder(cut).encode(row).sample();
        assertThat(s.images()).containsExactly(FOLDER.resolve("a.png"));
        assertThat(s.imagePositions()).containsExactly(full.imagePositions()[0]);
        assertThat(s.length()).isEqualTo(cut);
    }

    @Test
    void noAnswerMeansDropped() {
        assertThat(encoder(4096).encode(row(List.of(), "only a question")).problem().kind()).isEqualTo(ProblemKind.NO_TRAINED_TOKEN);
    }

    @Test
    void textThatEncodesToTheImageTokenIsRejected() {
        // 269 is the tokenizer's <image> added token; written as "<image>" it is a placeholder, but the token id can
        // still come from text when image_token_index is an ordinary id: here 'A' (65).
        SampleEncoder enc = new SampleEncoder(tokenizer(), "vicuna", 65, 4, 4096, FOLDER);
        assertThat(enc.encode(row(List.of(), "A?", "b")).problem().kind()).isEqualTo(ProblemKind.IMAGE_TOKEN_IN_TEXT);
    }

    @Test
    void missingEosIsAnErrorForTemplatesThatNeedIt() {
        var noEos = tokenizer("{\"bos_token\": \"<s>\"}");
        assertThatThrownBy(() -> new SampleEncoder(noEos, "vicuna", IMAGE, 4, 100, FOLDER)).hasMessageContaining("no eos_token");
        new SampleEncoder(noEos, "llama3_chat", IMAGE, 4, 100, FOLDER); // SUFFIX_AS_EOS: fine
        assertThatThrownBy(() -> new SampleEncoder(noEos, "vicunaa", IMAGE, 4, 100, FOLDER)).hasMessageContaining("unknown prompt template");
    }

    @Test
    void imagesResolveBesideTheDataFileWithoutAnImageFolder() {
        SampleEncoder enc = new SampleEncoder(tokenizer(), "vicuna", IMAGE, 4, 4096, null);
        RawSample r = new RawSample(new SourceRef(Path.of("/data/set/d.jsonl"), 1, null), List.of("img/a.png"),
                List.of(new RawSample.Message("human", "<image>"), new RawSample.Message("gpt", "x")));
        assertThat(enc.encode(r).sample().images()).containsExactly(Path.of("/data/set/img/a.png"));
    }
}

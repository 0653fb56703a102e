package org.jtuner.text.tokenizer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad tokenizer.json fails with a message that names the file, the place in it and what is wrong. */
class FormatErrorsTest {
    @TempDir
    Path dir;

    private static final String MODEL = """
            {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}""";

    private Path write(String json) throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), json);
        return dir;
    }

    @Test
    void aWorkingMinimalFileLoads() throws IOException {
        Tokenizer tok = Tokenizer.load(write("{\"model\": " + MODEL + "}"));
        org.assertj.core.api.Assertions.assertThat(tok.encode("ab", true)).containsExactly(2);
    }

    @Test
    void anUnknownNormalizerTypeIsNamedWithTheSupportedOnes() throws IOException {
        Path d = write("{\"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"NFC\"}, {\"type\": \"Precompiled\"}]}, \"model\": " + MODEL + "}");
        assertThatThrownBy(() -> Tokenizer.load(d))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(d.resolve("tokenizer.json").toString())
                .hasMessageContaining("normalizer.normalizers[1]")
                .hasMessageContaining("unknown normalizer type 'Precompiled'")
                .hasMessageContaining("supported: Lowercase, NFC, NFD, NFKC, NFKD, Prepend, Replace, Sequence, Strip");
    }

    @Test
    void anUnknownModelPreTokenizerDecoderOrProcessorIsNamed() throws IOException {
        assertThatThrownBy(() -> Tokenizer.load(write("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}")))
                .hasMessageContaining("unknown model type 'Unigram' (supported: BPE)");
        assertThatThrownBy(() -> Tokenizer.load(write("{\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, \"model\": " + MODEL + "}")))
                .hasMessageContaining("unknown pre_tokenizer type 'BertPreTokenizer'");
        assertThatThrownBy(() -> Tokenizer.load(write("{\"decoder\": {\"type\": \"WordPiece\"}, \"model\": " + MODEL + "}")))
                .hasMessageContaining("unknown decoder type 'WordPiece'");
        assertThatThrownBy(() -> Tokenizer.load(write("{\"post_processor\": {\"type\": \"Fancy\"}, \"model\": " + MODEL + "}")))
                .hasMessageContaining("unknown post_processor type 'Fancy'");
    }

    @Test
    void mergesThatDoNotFitTheVocabularyAreReported() throws IOException {
        String model = "{\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}";
        assertThatThrownBy(() -> Tokenizer.load(write("{\"model\": " + model + "}")))
                .hasMessageContaining("merge 0 (a b) makes 'ab' that is not in the vocabulary");
        String bad = "{\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b c\"]}";
        assertThatThrownBy(() -> Tokenizer.load(write("{\"model\": " + bad + "}")))
                .hasMessageContaining("model: merges[0] 'a b c' is not two tokens separated by one space");
    }

    @Test
    void badJsonAndMissingFilesAreReported() throws IOException {
        assertThatThrownBy(() -> Tokenizer.load(write("{\"model\": ")))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("nowhere")))
                .isInstanceOf(FileNotFoundException.class).hasMessageContaining("nowhere");
        assertThatThrownBy(() -> Tokenizer.load(write("{\"normalizer\": {\"type\": \"Replace\", \"pattern\": {\"Regex\": \"(\"}, \"content\": \"\"}, \"model\": " + MODEL + "}")))
                .hasMessageContaining("normalizer.pattern: regex ( does not compile");
    }
}

package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jtuner.data.TestData.*;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jtuner.data.config.ConfigException;
import org.jtuner.text.augment.TextAugmenter;
import org.jtuner.text.augment.WordNetSynonyms;
import org.jtuner.text.cot.CotStages;
import org.jtuner.vision.augment.AugmentSeed;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * data.augment.text through the training pipeline, over every sample of a LLaVA-CoT-style file (cot_samples.jsonl,
 * the hand-written set of the text module's property tests: inline and one-per-line options, letters, numbers,
 * quotes) for several epochs: what the loader trains on is the encoding of the augmented row, the augmentation
 * is keyed by (seed, epoch, sample) so a resumed epoch equals the uninterrupted one, and the augmented rows keep
 * every protected span byte for byte, replace words only by WordNet synonyms of the same part of speech, and
 * relabel the answer letter so that it names the same option text. Protected spans are found by this test's own
 * patterns.
 */
class TextAugmentedLoaderTest {
    @TempDir
    Path dir;

    static final String TEXT_AUGMENT = """
            data:
              files: [data.jsonl]
              template: vicuna
              tokenizer: tok
              augment:
                text:
                  synonym_fraction: 0.4
                  option_shuffle_p: 0.7
                  reword_p: 0.5
                  prefixes: ["Answer the question:"]
                  suffixes: ["Please think step by step."]
            """;

    LlavaData llava;
    DataConfig config;

    @BeforeEach
    void open() throws Exception {
        Path data = dir.resolve("data.jsonl");
        try (InputStream in = getClass().getResourceAsStream("cot_samples.jsonl")) {
            Files.write(data, in.readAllBytes());
        }
        for (String line : Files.readAllLines(data)) {
            Matcher m = Pattern.compile("\"image\": \"([^\"]+)\"").matcher(line);
            if (m.find()) png(dir.resolve("images").resolve(m.group(1)), 10, 10, 0x336699);
        }
        config = config(List.of(data), dir.resolve("images"), "vicuna").withMaxLength(4096)
                .withAugment(DataConfig.fromYamlText(TEXT_AUGMENT).augment()).withBatching(4, 0);
        llava = LlavaData.open(config, tokenizer(), new ClipImageLoader(tinyProcessor(), false), s -> {});
        assertThat(llava.dataset().size()).isEqualTo(12);
    }

    @Test
    void theSectionBindsAndBadValuesAreNamed() {
        var t = config.augment().text();
        assertThat(t.synonymFraction()).isEqualTo(0.4);
        assertThat(t.prefixes()).containsExactly("Answer the question:");
        assertThat(config.toJson().get("augment").get("text").get("option_shuffle_p").asDouble()).isEqualTo(0.7);
        assertThatThrownBy(() -> DataConfig.fromYamlText(TEXT_AUGMENT.replace("synonym_fraction: 0.4", "synonym_fraction: 1.5")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("data.augment.text.synonym_fraction");
        assertThatThrownBy(() -> DataConfig.fromYamlText(TEXT_AUGMENT.replace("reword_p", "rewrod_p")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("reword_p");
        assertThatThrownBy(() -> DataConfig.fromYamlText(TEXT_AUGMENT.replaceAll("(?m)^\\s+(prefixes|suffixes):.*\\n", "")))
                .hasMessageContaining("data.augment.text").hasMessageContaining("no prefixes or suffixes");
    }

    @Test
    void theLoaderTrainsOnTheAugmentedRowsKeyedBySeedEpochAndSample() {
        long seed = 77;
        TextAugmentedSamples text = new TextAugmentedSamples(llava.dataset(), llava.encoder(),
                new TextAugmenter(config.augment().text()), seed);
        List<Batch> epoch0 = epoch(llava.loader(1, 0, seed, s -> {}), 0, 0);
        int changed = 0;
        for (Batch b : epoch0) {
            for (int r = 0; r < b.rows(); r++) {
                int index = b.sampleIndices()[r];
                EncodedSample want = llava.encoder().encode(text.augmentedRow(0, index)).sample();
                assertThat(row(b.inputIds(), b.seqLen(), r, b.lengths()[r])).isEqualTo(want.inputIds());
                assertThat(row(b.labels(), b.seqLen(), r, b.lengths()[r])).isEqualTo(want.labels());
                if (!Arrays.equals(want.inputIds(), llava.dataset().get(index).inputIds())) changed++;
            }
        }
        assertThat(changed).as("samples whose text the augmentation changed").isGreaterThanOrEqualTo(10);
        List<Batch> resumed = epoch(llava.loader(1, 0, seed, s -> {}), 0, 1);
        assertThat(resumed.getFirst().inputIds()).isEqualTo(epoch0.get(1).inputIds());
        assertThat(text.augmentedRow(1, 3)).isNotEqualTo(text.augmentedRow(0, 3));
        assertThat(text.augmentedRow(0, 3)).isEqualTo(text.augmentedRow(0, 3));
        // without the text section the loader trains on the rows as read
        DataConfig plain = config.withAugment(AugmentConfig.NONE);
        assertThat(plain.augment().enabled()).isFalse();
    }

    static final Pattern TAGS = Pattern.compile("</?[A-Z]+>|<image>");
    static final Pattern NUMBERS = Pattern.compile("\\d+");
    static final Pattern QUOTES = Pattern.compile("\"[^\"]*\"");

    @Test
    void everyAugmentedRowKeepsItsProtectedSpansSynonymsAndOptions() {
        long seed = 5;
        TextAugmenter augmenter = new TextAugmenter(config.augment().text());
        TextAugmentedSamples text = new TextAugmentedSamples(llava.dataset(), llava.encoder(), augmenter, seed);
        WordNetSynonyms wn = WordNetSynonyms.get();
        int replaced = 0, relabelled = 0, reworded = 0;
        for (int epoch = 0; epoch < 6; epoch++) {
            for (int i = 0; i < llava.dataset().size(); i++) {
                RawSample before = llava.dataset().row(i), after = text.augmentedRow(epoch, i);
                String q0 = before.conversations().get(0).value(), a0 = before.conversations().get(1).value();
                String q1 = after.conversations().get(0).value(), a1 = after.conversations().get(1).value();
                // the pipeline's row is the augmenter's result for this (seed, epoch, sample)
                TextAugmenter.Result r = augmenter.augment(q0, a0, AugmentSeed.generator(seed, epoch, i, AugmentSeed.TEXT_STREAM));
                assertThat(q1).isEqualTo(r.question());
                assertThat(a1).isEqualTo(r.answer());
                String where = before.source().id() + " epoch " + epoch;
                // tags, <image>, numbers and quotes byte-identical and in order in the answer; in the question the
                // same ones (shuffled options carry theirs along; a rewording adds words only)
                for (Pattern p : List.of(TAGS, NUMBERS, QUOTES)) {
                    assertThat(all(p, a1)).as("%s answer %s", where, p).isEqualTo(all(p, a0));
                    assertThat(all(p, q1)).as("%s question %s", where, p).containsExactlyInAnyOrderElementsOf(all(p, q0));
                }
                assertThat(CotStages.parse(a1).valid()).as(where).isTrue();
                List<TextAugmenter.Option> o0 = TextAugmenter.options(q0), o1 = TextAugmenter.options(q1);
                assertThat(o1).hasSameSizeAs(o0);
                if (o0.isEmpty()) {
                    assertThat(CotStages.conclusionOf(a1)).as(where).isEqualTo(CotStages.conclusionOf(a0));
                } else {
                    int l0 = TextAugmenter.answerLetter(a0), l1 = TextAugmenter.answerLetter(a1);
                    assertThat(text(q1, o1.get(l1 - 'A'))).as(where).isEqualTo(text(q0, o0.get(l0 - 'A')));
                    assertThat(o1.stream().map(o -> text(q1, o)).sorted().toList())
                            .isEqualTo(o0.stream().map(o -> text(q0, o)).sorted().toList());
                    if (l1 != l0) relabelled++;
                }
                for (TextAugmenter.Replacement x : r.replacements()) {
                    assertThat(wn.lookup(x.from()).pos()).isEqualTo(x.pos());
                    assertThat(wn.areSynonyms(x.from(), x.to(), x.pos())).as("%s: %s -> %s", where, x.from(), x.to()).isTrue();
                }
                replaced += r.replacements().size();
                if (q1.contains("Answer the question:") || q1.endsWith("Please think step by step.")) reworded++;
            }
        }
        assertThat(replaced).isGreaterThan(100);
        assertThat(relabelled).isGreaterThan(10);
        assertThat(reworded).isGreaterThan(10);
    }

    static List<String> all(Pattern p, String s) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    static String text(String q, TextAugmenter.Option o) {
        return q.substring(o.textStart(), o.textEnd());
    }

    static int[] row(int[] flat, int seqLen, int r, int length) {
        return Arrays.copyOfRange(flat, r * seqLen, r * seqLen + length);
    }

    private static List<Batch> epoch(DataLoader loader, int epoch, int start) {
        List<Batch> out = new ArrayList<>();
        try (loader; DataLoader.Epoch e = loader.epoch(epoch, start)) {
            e.forEachRemaining(out::add);
        }
        return out;
    }
}

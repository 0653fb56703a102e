package org.jtuner.train.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes the demo's tokenizer as Hugging Face files: a byte-level BPE (GPT-2's byte alphabet, so any text
 * encodes) whose merges build each demo word, with and without its leading space, into a single token.
 */
public final class DemoTokenizer {
    public static final String BOS = "<s>", EOS = "</s>", PAD = "<pad>";

    private DemoTokenizer() {}

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to code points from 256 up. */
    static String[] byteAlphabet() {
        String[] out = new String[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            out[b] = printable ? String.valueOf((char) b) : String.valueOf((char) (256 + extra++));
        }
        return out;
    }

    /** Writes tokenizer.json and tokenizer_config.json into {@code dir}; returns the vocabulary size. */
    public static int write(Path dir, List<String> words) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String special : List.of(PAD, BOS, EOS)) vocab.put(special, vocab.size());
        List<String[]> merges = bytesAndWords(vocab, words);
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (String special : List.of(PAD, BOS, EOS)) specials.put(special, vocab.get(special));
        ObjectNode config = new ObjectMapper().createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast").put("bos_token", BOS).put("eos_token", EOS)
                .put("pad_token", PAD).put("model_max_length", 256).put("add_bos_token", true);
        writeFiles(dir, vocab, merges, specials, config);
        return vocab.size();
    }

    /**
     * Writes a tokenizer whose byte-level BPE (the byte alphabet, then the words' merges) takes ids from 0 and whose
     * special tokens (added tokens, outside the BPE vocabulary) have the ids given, with {@code config} as its
     * tokenizer_config.json (special token names, chat template). Returns the size of the BPE vocabulary.
     */
    public static int write(Path dir, List<String> words, Map<String, Integer> specials, ObjectNode config) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String[]> merges = bytesAndWords(vocab, words);
        for (var e : specials.entrySet()) {
            if (e.getValue() < vocab.size()) {
                throw new IllegalArgumentException("special token " + e.getKey() + " id " + e.getValue() + " falls inside the "
                        + vocab.size() + " BPE ids");
            }
        }
        writeFiles(dir, vocab, merges, specials, config);
        return vocab.size();
    }

    /** The size of the BPE vocabulary (byte alphabet and word merges) of {@code words}, without special tokens. */
    public static int bpeVocabSize(List<String> words) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        bytesAndWords(vocab, words);
        return vocab.size();
    }

    /** Adds the byte alphabet and each word's merges (with and without its leading space) to {@code vocab}. */
    private static List<String[]> bytesAndWords(Map<String, Integer> vocab, List<String> words) {
        String[] alphabet = byteAlphabet();
        for (String a : alphabet) vocab.putIfAbsent(a, vocab.size());
        List<String[]> merges = new ArrayList<>();
        for (String word : words) {
            for (String form : List.of(word, alphabet[' '] + word)) {
                String prefix = form.substring(0, 1);
                for (int i = 1; i < form.length(); i++) {
                    String next = form.substring(i, i + 1), merged = prefix + next;
                    if (!vocab.containsKey(merged)) {
                        vocab.put(merged, vocab.size());
                        merges.add(new String[] {prefix, next});
                    }
                    prefix = merged;
                }
            }
        }
        return merges;
    }

    private static void writeFiles(Path dir, Map<String, Integer> vocab, List<String[]> merges, Map<String, Integer> specials,
                                   ObjectNode config) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (var special : specials.entrySet()) {
            added.addObject().put("id", special.getValue()).put("content", special.getKey()).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true).put("use_regex", true);
        root.putObject("post_processor").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        vocab.forEach(v::put);
        ArrayNode m = model.putArray("merges");
        for (String[] pair : merges) m.addArray().add(pair[0]).add(pair[1]);
        Files.createDirectories(dir);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
    }
}

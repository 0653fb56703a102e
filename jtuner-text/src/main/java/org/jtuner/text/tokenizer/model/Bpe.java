package org.jtuner.text.tokenizer.model;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.POJONode;

import org.jtuner.text.tokenizer.util.IntList;
import org.jtuner.text.tokenizer.util.JsonSpec;

/**
 * Byte-pair encoding as the reference's {@code models::bpe} does it: a word starts as one symbol per character
 * (with the continuing-subword prefix and end-of-word suffix where configured); a character missing from the
 * vocabulary becomes its UTF-8 bytes as {@code <0xNN>} tokens when {@code byte_fallback} is on, else the unknown
 * token (consecutive ones fused with {@code fuse_unk}); then merges apply by rank. With {@code ignore_merges} a word
 * that is itself in the vocabulary is taken whole (Llama 3).
 */
public final class Bpe implements Model {
    /** Words kept in the cache; the reference keeps 10,000 too. */
    private static final int DEFAULT_CACHE_CAPACITY = 10_000;

    private final Map<String, Integer> vocab;
    private final String[] idToToken;
    private final MergeTable merges;
    private final String unkToken;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String prefix;
    private final String suffix;
    /** Ids of one-character tokens below U+10000, -1 when absent; used when there is no prefix or suffix. */
    private final int[] charIds;
    /** Ids of the {@code <0xNN>} tokens, -1 when absent. */
    private final int[] byteIds = new int[256];
    private final WordCache cache;

    Bpe(Map<String, Integer> vocab, List<String[]> mergePairs, String unkToken, boolean fuseUnk, boolean byteFallback,
        boolean ignoreMerges, String prefix, String suffix, int cacheCapacity) {
        this.vocab = vocab;
        this.unkToken = unkToken;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.prefix = prefix == null || prefix.isEmpty() ? null : prefix;
        this.suffix = suffix == null || suffix.isEmpty() ? null : suffix;
        int maxId = -1;
        for (int id : vocab.values()) maxId = Math.max(maxId, id);
        idToToken = new String[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            if (e.getValue() < 0) throw new IllegalArgumentException("negative id " + e.getValue() + " for token " + e.getKey());
            idToToken[e.getValue()] = e.getKey();
        }
        if (this.prefix == null && this.suffix == null) {
            charIds = new int[0x10000];
            Arrays.fill(charIds, -1);
            for (Map.Entry<String, Integer> e : vocab.entrySet()) {
                String k = e.getKey();
                if (k.length() == 1) charIds[k.charAt(0)] = e.getValue();
            }
        } else {
            charIds = null;
        }
        String hex = "0123456789ABCDEF";
        for (int b = 0; b < 256; b++) byteIds[b] = vocab.getOrDefault("<0x" + hex.charAt(b >> 4) + hex.charAt(b & 15) + ">", -1);
        merges = new MergeTable(mergePairs.size());
        int prefixLength = this.prefix == null ? 0 : this.prefix.length();
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            String[] pair = mergePairs.get(rank);
            Integer a = vocab.get(pair[0]);
            Integer b = vocab.get(pair[1]);
            if (a == null || b == null) {
                throw new IllegalArgumentException("merge " + rank + " (" + pair[0] + " " + pair[1] + ") uses token '"
                        + (a == null ? pair[0] : pair[1]) + "' that is not in the vocabulary");
            }
            // Like the reference, the right token's prefix is dropped in the merged token (when it has one).
            String right = prefixLength > 0 && pair[1].startsWith(this.prefix) ? pair[1].substring(prefixLength) : pair[1];
            Integer merged = vocab.get(pair[0] + right);
            if (merged == null) {
                throw new IllegalArgumentException("merge " + rank + " (" + pair[0] + " " + pair[1] + ") makes '"
                        + pair[0] + right + "' that is not in the vocabulary");
            }
            merges.put(a, b, rank, merged);
        }
        cache = new WordCache(cacheCapacity);
    }

    /**
     * Reads the {@code "model"} object of type BPE. Its vocab and merges are JSON, or already read into a
     * {@code Map<String, Integer>} and a {@code List<String[]>} held in POJO nodes (see the loader).
     */
    public static Bpe fromJson(JsonSpec spec) {
        JsonNode dropout = spec.node().get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0.0) {
            throw spec.error("BPE dropout " + dropout + " is not supported (it makes encoding random; set it to null)");
        }
        try {
            return new Bpe(vocab(spec), merges(spec), spec.optString("unk_token"), spec.bool("fuse_unk", false),
                    spec.bool("byte_fallback", false), spec.bool("ignore_merges", false),
                    spec.optString("continuing_subword_prefix"), spec.optString("end_of_word_suffix"), DEFAULT_CACHE_CAPACITY);
        } catch (IllegalArgumentException e) {
            throw spec.error(e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Integer> vocab(JsonSpec spec) {
        JsonNode node = spec.node().get("vocab");
        if (node instanceof POJONode pojo && pojo.getPojo() instanceof Map<?, ?> map) return (Map<String, Integer>) map;
        if (node == null || !node.isObject()) throw spec.error("'vocab' must be an object of token to id");
        Map<String, Integer> vocab = HashMap.newHashMap(node.size());
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().canConvertToInt()) throw spec.error("vocab entry '" + e.getKey() + "' has a non-integer id");
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        return vocab;
    }

    @SuppressWarnings("unchecked")
    private static List<String[]> merges(JsonSpec spec) {
        JsonNode node = spec.node().get("merges");
        if (node instanceof POJONode pojo && pojo.getPojo() instanceof List<?> list) return (List<String[]>) list;
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray()) throw spec.error("'merges' must be an array");
        List<String[]> pairs = new java.util.ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            JsonNode merge = node.get(i);
            String[] pair = null;
            if (merge.isTextual()) {
                pair = splitMerge(merge.asText());
                if (pair == null) throw spec.error("merges[" + i + "] '" + merge.asText() + "' is not two tokens separated by one space");
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                pair = new String[] {merge.get(0).asText(), merge.get(1).asText()};
            }
            if (pair == null) throw spec.error("merges[" + i + "] must be \"a b\" or [\"a\", \"b\"], found " + merge);
            pairs.add(pair);
        }
        return pairs;
    }

    /** A merge written "a b" (older files) as its two tokens, or null when it is not two tokens and one space. */
    public static String[] splitMerge(String merge) {
        int space = merge.indexOf(' ');
        if (space < 0 || merge.indexOf(' ', space + 1) >= 0) return null;
        return new String[] {merge.substring(0, space), merge.substring(space + 1)};
    }

    @Override
    public void tokenize(String word, IntList ids, List<String> tokens) {
        if (word.isEmpty()) return;
        int[] result = null;
        if (ignoreMerges) {
            Integer whole = vocab.get(word);
            if (whole != null) result = new int[] {whole};
        }
        if (result == null) {
            result = cache.get(word);
            if (result == null) {
                result = merge(word);
                cache.put(word, result);
            }
        }
        ids.addAll(result);
        if (tokens != null) for (int id : result) tokens.add(idToToken[id]);
    }

    /** The initial symbols of the word, then all merges. */
    private int[] merge(String word) {
        IntList symbols = new IntList(word.length() + 4);
        int unkId = -1;
        int n = word.length();
        for (int i = 0; i < n; ) {
            int cp = word.codePointAt(i);
            int end = i + Character.charCount(cp);
            int id;
            String piece = null;
            if (charIds != null) {
                id = cp < 0x10000 ? charIds[cp] : vocab.getOrDefault(word.substring(i, end), -1);
            } else {
                piece = word.substring(i, end);
                if (i > 0 && prefix != null) piece = prefix + piece;
                if (end == n && suffix != null) piece = piece + suffix;
                id = vocab.getOrDefault(piece, -1);
            }
            i = end;
            if (id >= 0) {
                if (unkId >= 0) { symbols.add(unkId); unkId = -1; }
                symbols.add(id);
                continue;
            }
            // A pending unknown token stays pending across byte tokens, as in the reference.
            if (byteFallback && addBytes(piece != null ? piece : Character.toString(cp), symbols)) continue;
            if (unkToken != null) {
                int unk = vocab.getOrDefault(unkToken, -1);
                if (unk < 0) throw new IllegalStateException("unk_token '" + unkToken + "' is not in the vocabulary");
                if (unkId >= 0 && !fuseUnk) symbols.add(unkId);
                unkId = unk;
            }
            // Without an unknown token the character is dropped, as in the reference.
        }
        if (unkId >= 0) symbols.add(unkId);
        return BpeWord.mergeAll(symbols.toArray(), symbols.size(), merges);
    }

    /** Adds the {@code <0xNN>} tokens of the piece's bytes if all of them exist. */
    private boolean addBytes(String piece, IntList symbols) {
        byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) if (byteIds[b & 0xFF] < 0) return false;
        for (byte b : bytes) symbols.add(byteIds[b & 0xFF]);
        return true;
    }

    @Override
    public int tokenToId(String token) {
        return vocab.getOrDefault(token, -1);
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < idToToken.length ? idToToken[id] : null;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }
}

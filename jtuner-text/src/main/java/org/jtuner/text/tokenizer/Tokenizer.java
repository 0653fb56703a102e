package org.jtuner.text.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;

import org.jtuner.text.tokenizer.decoder.Decoder;
import org.jtuner.text.tokenizer.model.Model;
import org.jtuner.text.tokenizer.normalizer.Normalizer;
import org.jtuner.text.tokenizer.pretokenizer.PieceSink;
import org.jtuner.text.tokenizer.pretokenizer.PreTokenizer;
import org.jtuner.text.tokenizer.processor.PostProcessor;
import org.jtuner.text.tokenizer.processor.PostProcessor.Encoded;
import org.jtuner.text.tokenizer.util.IntList;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer, giving the same ids, tokens and decodings as the tokenizers
 * library. Encoding runs: added tokens split out of the raw text, normalizer, pre-tokenizer, model, post-processor.
 * Thread-safe; {@link #encodeBatch} encodes many texts in parallel.
 */
public final class Tokenizer {
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final Model model;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final AddedVocabulary added;
    private final TokenizerConfig config;
    private final int vocabSize;

    Tokenizer(Normalizer normalizer, PreTokenizer preTokenizer, Model model, PostProcessor postProcessor, Decoder decoder,
              AddedVocabulary added, TokenizerConfig config) {
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = Objects.requireNonNull(model, "model");
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        this.added = added;
        this.config = config;
        int extra = 0;
        for (AddedToken t : added.all()) if (model.idToToken(t.id()) == null) extra++;
        this.vocabSize = model.vocabSize() + extra;
    }

    /**
     * Loads {@code tokenizer.json} and, when present, {@code tokenizer_config.json} from a model directory (a path
     * to a {@code tokenizer.json} file itself is accepted too).
     *
     * @throws TokenizerFormatException when a file is not what a tokenizer needs; the message names the file
     */
    public static Tokenizer load(Path dir) throws IOException {
        Path tokenizerJson = Files.isDirectory(dir) ? dir.resolve("tokenizer.json") : dir;
        if (!Files.exists(tokenizerJson)) throw new java.io.FileNotFoundException(tokenizerJson + " (no tokenizer.json)");
        Path parent = tokenizerJson.toAbsolutePath().getParent();
        return TokenizerJson.load(tokenizerJson, parent == null ? null : parent.resolve("tokenizer_config.json"));
    }

    /** Builds from the text of a {@code tokenizer.json} and, optionally, of a {@code tokenizer_config.json}. */
    public static Tokenizer fromJson(String tokenizerJson, String configJson) throws IOException {
        return TokenizerJson.parse(tokenizerJson, configJson, Path.of("<tokenizer.json text>"));
    }

    /** The token ids of {@code text}; with {@code addSpecialTokens} the post-processor's (such as BOS) included. */
    public int[] encode(String text, boolean addSpecialTokens) {
        return run(text, addSpecialTokens, false).ids();
    }

    /** The token strings of {@code text}, without the post-processor's special tokens. */
    public List<String> tokens(String text) {
        return run(text, false, true).tokens();
    }

    /** Encodes the texts in parallel, adding special tokens; the result is in the order of the input. */
    public List<int[]> encodeBatch(List<String> texts) {
        return encodeBatch(texts, true);
    }

    /** Encodes the texts in parallel (on the common fork-join pool); the result is in the order of the input. */
    public List<int[]> encodeBatch(List<String> texts, boolean addSpecialTokens) {
        return IntStream.range(0, texts.size()).parallel().mapToObj(i -> encode(texts.get(i), addSpecialTokens)).toList();
    }

    private Encoded run(String text, boolean addSpecialTokens, boolean withTokens) {
        IntList ids = new IntList(Math.max(16, text.length() / 3));
        List<String> tokens = withTokens ? new ArrayList<>() : null;
        PieceSink toModel = (word, atStart) -> model.tokenize(word, ids, tokens);
        PieceSink words = preTokenizer == null ? toModel : (piece, atStart) -> preTokenizer.preTokenize(piece, atStart, toModel);
        added.split(text, new AddedVocabulary.SegmentSink() {
            @Override
            public void text(String piece, boolean atStart) {
                words.accept(piece, atStart);
            }

            @Override
            public void token(AddedToken token, String matched) {
                ids.add(token.id());
                if (tokens != null) tokens.add(matched);
            }
        });
        Encoded encoded = new Encoded(ids.toArray(), tokens);
        return postProcessor == null ? encoded : postProcessor.process(encoded, addSpecialTokens);
    }

    /**
     * The text of {@code ids}; with {@code skipSpecialTokens} the special added tokens are left out. Ids that are
     * not in the vocabulary are ignored, as in the reference.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            String token = added.decodeForm(id);
            if (token == null) token = model.idToToken(id);
            if (token == null || skipSpecialTokens && added.isSpecial(token)) continue;
            tokens.add(token);
        }
        return decoder == null ? String.join(" ", tokens) : decoder.decode(tokens);
    }

    /** The id of a token (added tokens first, then the model's vocabulary), or -1. */
    public int tokenId(String token) {
        AddedToken t = added.byContent(token);
        return t != null ? t.id() : model.tokenToId(token);
    }

    /** The token string of an id, or null. */
    public String idToToken(int id) {
        AddedToken t = added.byId(id);
        return t != null ? t.content() : model.idToToken(id);
    }

    /** Number of ids: the model's vocabulary plus the added tokens outside it (transformers' {@code len(tokenizer)}). */
    public int vocabSize() {
        return vocabSize;
    }

    /** The id of {@code tokenizer_config.json}'s {@code bos_token}, or null when there is none. */
    public Integer bosId() {
        return idOf(config.bosToken());
    }

    /** The id of {@code tokenizer_config.json}'s {@code eos_token}, or null when there is none. */
    public Integer eosId() {
        return idOf(config.eosToken());
    }

    /** The contents of the added tokens marked special (those {@code decode(ids, true)} leaves out). */
    public Set<String> specialTokens() {
        return added.specialContents();
    }

    /** What {@code tokenizer_config.json} said (all null when it was absent). */
    public TokenizerConfig config() {
        return config;
    }

    private Integer idOf(String token) {
        if (token == null) return null;
        int id = tokenId(token);
        return id < 0 ? null : id;
    }
}

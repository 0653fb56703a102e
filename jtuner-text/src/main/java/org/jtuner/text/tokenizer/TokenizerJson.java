package org.jtuner.text.tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.text.tokenizer.decoder.Decoders;
import org.jtuner.text.tokenizer.model.Model;
import org.jtuner.text.tokenizer.model.Models;
import org.jtuner.text.tokenizer.normalizer.Normalizer;
import org.jtuner.text.tokenizer.normalizer.Normalizers;
import org.jtuner.text.tokenizer.pretokenizer.PreTokenizers;
import org.jtuner.text.tokenizer.processor.PostProcessors;
import org.jtuner.text.tokenizer.util.JsonSpec;
import org.jtuner.text.tokenizer.util.TokenizerSpecException;

/** Reads {@code tokenizer.json} (and {@code tokenizer_config.json} beside it) into a {@link Tokenizer}. */
final class TokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJson() {}

    static Tokenizer load(Path tokenizerJson, Path configJson) throws IOException {
        JsonNode root;
        try (var parser = JSON.createParser(tokenizerJson.toFile())) {
            root = TokenizerJsonTree.read(parser);
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(tokenizerJson, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (TokenizerSpecException e) {
            throw new TokenizerFormatException(tokenizerJson, e.getMessage(), e);
        }
        TokenizerConfig config = TokenizerConfig.EMPTY;
        if (configJson != null && Files.exists(configJson)) {
            JsonNode configRoot = read(configJson);
            if (!configRoot.isObject()) throw new TokenizerFormatException(configJson, "expected a JSON object", null);
            config = TokenizerConfig.fromJson(configRoot);
        }
        try {
            return build(root, config);
        } catch (TokenizerSpecException | IllegalArgumentException e) {
            throw new TokenizerFormatException(tokenizerJson, e.getMessage(), e);
        }
    }

    /** Builds from JSON text; a problem is reported against {@code name}. */
    static Tokenizer parse(String tokenizerJson, String configJson, Path name) throws IOException {
        try {
            JsonNode root = TokenizerJsonTree.read(JSON.createParser(tokenizerJson));
            TokenizerConfig config = configJson == null ? TokenizerConfig.EMPTY : TokenizerConfig.fromJson(JSON.readTree(configJson));
            return build(root, config);
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(name, "not valid JSON: " + e.getOriginalMessage(), e);
        } catch (TokenizerSpecException | IllegalArgumentException e) {
            throw new TokenizerFormatException(name, e.getMessage(), e);
        }
    }

    private static JsonNode read(Path file) throws IOException {
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new TokenizerFormatException(file, "not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Tokenizer build(JsonNode root, TokenizerConfig config) {
        if (root == null || !root.isObject()) throw new TokenizerSpecException("expected a JSON object at the top level");
        JsonSpec spec = new JsonSpec(root, "");
        Normalizer normalizer = Normalizers.fromJson(spec.child("normalizer"));
        Model model = Models.fromJson(spec.child("model"));
        List<AddedToken> added = new ArrayList<>();
        if (spec.has("added_tokens")) {
            for (JsonSpec t : spec.list("added_tokens")) {
                String content = t.string("content");
                // The reference gives a token that the model already has the model's id.
                int modelId = model.tokenToId(content);
                int id = modelId >= 0 ? modelId : t.integer("id", -1);
                if (id < 0) throw t.error("added token '" + content + "' has no id");
                boolean special = t.bool("special", false);
                added.add(new AddedToken(id, content, special, t.bool("single_word", false), t.bool("lstrip", false),
                        t.bool("rstrip", false), t.bool("normalized", !special)));
            }
        }
        return new Tokenizer(normalizer, PreTokenizers.fromJson(spec.child("pre_tokenizer")), model,
                PostProcessors.fromJson(spec.child("post_processor")), Decoders.fromJson(spec.child("decoder")),
                new AddedVocabulary(added, normalizer), config);
    }
}

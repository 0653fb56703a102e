package org.jtuner.text.tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.text.tokenizer.model.Bpe;
import org.jtuner.text.tokenizer.util.TokenizerSpecException;

/**
 * Reads {@code tokenizer.json} as a JSON tree, except the model's {@code vocab} and {@code merges}, which are read
 * straight into a {@code Map<String, Integer>} and a {@code List<String[]>} (held in POJO nodes): they are nearly
 * all of the file, and a tree node per entry would triple the loading time.
 */
final class TokenizerJsonTree {
    private TokenizerJsonTree() {}

    /** The document, from a parser that has a codec (made by an ObjectMapper). */
    static JsonNode read(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) return p.currentToken() == null ? null : p.readValueAsTree();
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            if (key.equals("model") && value == JsonToken.START_OBJECT) root.set(key, readModel(p));
            else root.set(key, p.readValueAsTree());
        }
        return root;
    }

    private static ObjectNode readModel(JsonParser p) throws IOException {
        ObjectNode model = JsonNodeFactory.instance.objectNode();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken value = p.nextToken();
            if (key.equals("vocab") && value == JsonToken.START_OBJECT) model.putPOJO(key, readVocab(p));
            else if (key.equals("merges") && value == JsonToken.START_ARRAY) model.putPOJO(key, readMerges(p));
            else model.set(key, p.readValueAsTree());
        }
        return model;
    }

    private static Map<String, Integer> readVocab(JsonParser p) throws IOException {
        Map<String, Integer> vocab = HashMap.newHashMap(1 << 16);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String token = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                throw new TokenizerSpecException("model: vocab entry '" + token + "' has a non-integer id");
            }
            vocab.put(token, p.getIntValue());
        }
        return vocab;
    }

    /** Merges written "a b" (older files) or ["a", "b"] (newer files, which allow spaces in tokens). */
    private static List<String[]> readMerges(JsonParser p) throws IOException {
        List<String[]> merges = new ArrayList<>(1 << 16);
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            int index = merges.size();
            if (t == JsonToken.VALUE_STRING) {
                merges.add(splitMerge(p.getText(), index));
            } else if (t == JsonToken.START_ARRAY && p.nextToken() == JsonToken.VALUE_STRING) {
                String left = p.getText();
                String right = p.nextToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                if (right == null || p.nextToken() != JsonToken.END_ARRAY) throw badMerge(index);
                merges.add(new String[] {left, right});
            } else {
                throw badMerge(index);
            }
        }
        return merges;
    }

    private static String[] splitMerge(String merge, int index) {
        String[] parts = Bpe.splitMerge(merge);
        if (parts == null) {
            throw new TokenizerSpecException("model: merges[" + index + "] '" + merge + "' is not two tokens separated by one space");
        }
        return parts;
    }

    private static TokenizerSpecException badMerge(int index) {
        return new TokenizerSpecException("model: merges[" + index + "] must be \"a b\" or [\"a\", \"b\"]");
    }
}

package org.jtuner.text.tokenizer.util;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One object of a {@code tokenizer.json} with the path that leads to it ({@code pre_tokenizer.pretokenizers[1]}),
 * so that every error says where in the file the problem is. Components read their settings through it.
 */
public final class JsonSpec {
    private final JsonNode node;
    private final String path;

    public JsonSpec(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    public JsonNode node() { return node; }

    public String path() { return path; }

    /** The child object {@code key}, or null when it is absent or JSON null. */
    public JsonSpec child(String key) {
        JsonNode child = node.get(key);
        return child == null || child.isNull() ? null : new JsonSpec(child, at(key));
    }

    /** The {@code "type"} field that selects the component's implementation. */
    public String type() {
        return string("type");
    }

    public boolean has(String key) {
        JsonNode child = node.get(key);
        return child != null && !child.isNull();
    }

    public String string(String key) {
        JsonNode child = node.get(key);
        if (child == null || !child.isTextual()) throw error("'" + key + "' must be a string, found " + describe(child));
        return child.asText();
    }

    /** A string field that may be absent or null. */
    public String optString(String key) {
        JsonNode child = node.get(key);
        if (child == null || child.isNull()) return null;
        if (!child.isTextual()) throw error("'" + key + "' must be a string or null, found " + describe(child));
        return child.asText();
    }

    public boolean bool(String key, boolean fallback) {
        JsonNode child = node.get(key);
        if (child == null || child.isNull()) return fallback;
        if (!child.isBoolean()) throw error("'" + key + "' must be true or false, found " + describe(child));
        return child.booleanValue();
    }

    public int integer(String key, int fallback) {
        JsonNode child = node.get(key);
        if (child == null || child.isNull()) return fallback;
        if (!child.canConvertToInt()) throw error("'" + key + "' must be an integer, found " + describe(child));
        return child.intValue();
    }

    /** The elements of the array {@code key}, each with its own path. */
    public List<JsonSpec> list(String key) {
        JsonNode child = node.get(key);
        if (child == null || !child.isArray()) throw error("'" + key + "' must be an array, found " + describe(child));
        List<JsonSpec> out = new ArrayList<>(child.size());
        for (int i = 0; i < child.size(); i++) out.add(new JsonSpec(child.get(i), at(key) + "[" + i + "]"));
        return out;
    }

    /** A failure that names this place in the file. */
    public TokenizerSpecException error(String message) {
        return new TokenizerSpecException(path.isEmpty() ? message : path + ": " + message);
    }

    private String at(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /**
     * Builds the component that {@code "type"} names with the factory registered for it; an unknown type is an
     * error naming the type and every supported one.
     */
    public <T> T build(String kind, Map<String, Function<JsonSpec, T>> factories) {
        if (!node.isObject()) throw error(kind + " must be an object, found " + describe(node));
        String type = type();
        Function<JsonSpec, T> factory = factories.get(type);
        if (factory == null) {
            throw error("unknown " + kind + " type '" + type + "' (supported: " + String.join(", ", new TreeSet<>(factories.keySet())) + ")");
        }
        return factory.apply(this);
    }

    private static String describe(JsonNode n) {
        if (n == null) return "nothing";
        String text = n.toString();
        return n.getNodeType().name().toLowerCase() + " " + (text.length() > 60 ? text.substring(0, 60) + "..." : text);
    }
}

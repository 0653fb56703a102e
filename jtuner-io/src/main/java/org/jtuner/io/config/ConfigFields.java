package org.jtuner.io.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Typed reads of config.json fields with transformers' defaulting rules: a key that is absent takes the class
 * default; a key that is present with {@code null} means None in Python, which for a nullable field is "unset"
 * (not the default!) and for a non-nullable one falls back to the default. Wrong types are errors that name the key.
 */
final class ConfigFields {
    private final ObjectNode json;
    private final String where;

    /** @param where how messages name this object, e.g. "text_config" */
    ConfigFields(ObjectNode json, String where) {
        this.json = json;
        this.where = where;
    }

    ObjectNode json() {
        return json;
    }

    boolean has(String key) {
        return json.has(key);
    }

    /** Present and not null. */
    boolean hasValue(String key) {
        JsonNode n = json.get(key);
        return n != null && !n.isNull();
    }

    JsonNode get(String key) {
        return json.get(key);
    }

    int integer(String key, int dflt) {
        return hasValue(key) ? toInt(key, json.get(key)) : dflt;
    }

    /** A nullable int field: absent → {@code dflt} (which may be empty), null → empty. */
    OptionalInt optionalInt(String key, OptionalInt dflt) {
        if (!json.has(key)) return dflt;
        JsonNode n = json.get(key);
        return n.isNull() ? OptionalInt.empty() : OptionalInt.of(toInt(key, n));
    }

    double number(String key, double dflt) {
        if (!hasValue(key)) return dflt;
        JsonNode n = json.get(key);
        if (!n.isNumber()) throw wrong(key, "a number", n);
        return n.doubleValue();
    }

    boolean bool(String key, boolean dflt) {
        if (!hasValue(key)) return dflt;
        JsonNode n = json.get(key);
        if (!n.isBoolean()) throw wrong(key, "true or false", n);
        return n.booleanValue();
    }

    String string(String key, String dflt) {
        if (!hasValue(key)) return dflt;
        JsonNode n = json.get(key);
        if (!n.isTextual()) throw wrong(key, "a string", n);
        return n.textValue();
    }

    Optional<String> optionalString(String key) {
        return Optional.ofNullable(string(key, null));
    }

    /** An int-or-list-of-ints field (e.g. {@code eos_token_id}); absent → {@code dflt}, null → empty. */
    List<Integer> intOrList(String key, List<Integer> dflt) {
        if (!json.has(key)) return dflt;
        JsonNode n = json.get(key);
        if (n.isNull()) return List.of();
        if (n.isArray()) {
            List<Integer> values = new ArrayList<>();
            for (JsonNode v : n) values.add(toInt(key, v));
            return List.copyOf(values);
        }
        return List.of(toInt(key, n));
    }

    /** A sub-object, or null when absent or null. */
    ObjectNode object(String key) {
        if (!hasValue(key)) return null;
        JsonNode n = json.get(key);
        if (!n.isObject()) throw wrong(key, "a JSON object", n);
        return (ObjectNode) n;
    }

    private int toInt(String key, JsonNode n) {
        if (n.isIntegralNumber() && n.canConvertToInt()) return n.intValue();
        // transformers' configs sometimes hold whole numbers as floats (e.g. 4096.0).
        if (n.isFloatingPointNumber() && n.doubleValue() == Math.rint(n.doubleValue())
                && Math.abs(n.doubleValue()) <= Integer.MAX_VALUE) {
            return (int) n.doubleValue();
        }
        throw wrong(key, "an integer", n);
    }

    IllegalArgumentException wrong(String key, String expected, JsonNode got) {
        return new IllegalArgumentException(where + ": '" + key + "' must be " + expected + ", got " + got);
    }
}

package org.jtuner.data.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Strict reading of one YAML/JSON mapping of a run config: every key must be one of the known keys (an unknown key
 * is an error that names it and suggests the nearest valid one), and each value is checked for its type, with the
 * dotted path of the key in every message. Used by the config records' {@code fromYamlSection} methods.
 */
public final class ConfigNode {
    private final JsonNode node;
    private final String path;

    private ConfigNode(JsonNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /**
     * Wraps a mapping whose keys must all be among {@code knownKeys}.
     *
     * @throws ConfigException when the node is not a mapping or holds an unknown key
     */
    public static ConfigNode of(JsonNode node, String path, Set<String> knownKeys) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            throw new ConfigException(path, "missing (expected a mapping with keys " + sorted(knownKeys) + ")");
        }
        if (!node.isObject()) throw new ConfigException(path, "expected a mapping, got " + describe(node));
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (knownKeys.contains(key)) continue;
            String near = Suggestions.nearest(key, knownKeys);
            throw new ConfigException(path + "." + key, "unknown key"
                    + (near != null ? "; did you mean '" + near + "'?" : "") + " (valid keys: " + String.join(", ", sorted(knownKeys)) + ")");
        }
        return new ConfigNode(node, path);
    }

    public String path() {
        return path;
    }

    public String path(String key) {
        return path + "." + key;
    }

    public boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    public JsonNode raw(String key) {
        return node.get(key);
    }

    public String string(String key, String fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isTextual()) throw new ConfigException(path(key), "expected a string, got " + describe(v));
        return v.asText();
    }

    public String requiredString(String key) {
        String s = string(key, null);
        if (s == null || s.isBlank()) throw new ConfigException(path(key), "required (a string)");
        return s;
    }

    public Path pathValue(String key) {
        String s = string(key, null);
        return s == null || s.isBlank() ? null : Path.of(s);
    }

    public Path requiredPath(String key) {
        return Path.of(requiredString(key));
    }

    /** A list of paths; a single string is read as a list of one. */
    public List<Path> paths(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) throw new ConfigException(path(key), "required (a list of data files)");
        List<Path> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(Path.of(v.asText()));
        } else if (v.isArray()) {
            for (int i = 0; i < v.size(); i++) {
                JsonNode e = v.get(i);
                if (!e.isTextual() || e.asText().isBlank()) throw new ConfigException(path(key) + "[" + i + "]", "expected a file path, got " + describe(e));
                out.add(Path.of(e.asText()));
            }
        } else {
            throw new ConfigException(path(key), "expected a list of file paths, got " + describe(v));
        }
        if (out.isEmpty()) throw new ConfigException(path(key), "needs at least one data file");
        return List.copyOf(out);
    }

    public int integer(String key, int fallback, int min, int max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new ConfigException(path(key), "expected an integer, got " + describe(v));
        int i = v.intValue();
        if (i < min || i > max) throw new ConfigException(path(key), "must be in [" + min + ", " + max + "], got " + i);
        return i;
    }

    public Integer optionalInteger(String key, int min, int max) {
        return has(key) ? integer(key, 0, min, max) : null;
    }

    public Long optionalLong(String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw new ConfigException(path(key), "expected an integer, got " + describe(v));
        return v.longValue();
    }

    public double number(String key, double fallback, double min, double max) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) throw new ConfigException(path(key), "expected a number, got " + describe(v));
        double d = v.doubleValue();
        if (!(d >= min && d <= max)) throw new ConfigException(path(key), "must be in [" + min + ", " + max + "], got " + d);
        return d;
    }

    /** A {@code [low, high]} pair of numbers with low <= high. */
    public double[] range(String key, double low, double high) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return new double[] {low, high};
        if (!v.isArray() || v.size() != 2 || !v.get(0).isNumber() || !v.get(1).isNumber()) {
            throw new ConfigException(path(key), "expected [low, high], got " + describe(v));
        }
        double a = v.get(0).doubleValue(), b = v.get(1).doubleValue();
        if (a > b) throw new ConfigException(path(key), "low must not exceed high, got [" + a + ", " + b + "]");
        return new double[] {a, b};
    }

    public boolean bool(String key, boolean fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw new ConfigException(path(key), "expected true or false, got " + describe(v));
        return v.booleanValue();
    }

    /** An enum value written in lower case with underscores ({@code length_grouped} for {@code LENGTH_GROUPED}). */
    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
        String s = string(key, null);
        if (s == null) return fallback;
        List<String> names = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        String wanted = s.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        int i = names.indexOf(wanted);
        if (i >= 0) return type.getEnumConstants()[i];
        String near = Suggestions.nearest(s, names);
        throw new ConfigException(path(key), "unknown value '" + s + "'" + (near != null ? "; did you mean '" + near + "'?" : "")
                + " (one of: " + String.join(", ", names) + ")");
    }

    public ConfigNode child(String key, Set<String> knownKeys) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) v = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        return of(v, path(key), knownKeys);
    }

    private static List<String> sorted(Set<String> keys) {
        return keys.stream().sorted().toList();
    }

    static String describe(JsonNode v) {
        if (v.isTextual()) return "the string \"" + v.asText() + "\"";
        if (v.isArray()) return "a list";
        if (v.isObject()) return "a mapping";
        return v.getNodeType().name().toLowerCase(Locale.ROOT) + " " + v;
    }
}

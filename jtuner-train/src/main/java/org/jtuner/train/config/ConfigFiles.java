package org.jtuner.train.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Reads run configs: YAML files that may {@code extends} a base (a built-in config name or a path relative to the
 * file) and change a few keys, merged key by key; then {@code --set a.b=value} overrides on top. Built-in configs
 * live on the classpath under {@code org/jtuner/train/configs/NAME.yaml}.
 */
public final class ConfigFiles {
    public static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String BUILTIN = "org/jtuner/train/configs/";
    private static final String INDEX = BUILTIN + "index.txt";

    private ConfigFiles() {}

    /** The names of the built-in configs (from the index shipped beside them). */
    public static List<String> builtinNames() {
        try (InputStream in = ConfigFiles.class.getClassLoader().getResourceAsStream(INDEX)) {
            if (in == null) return List.of();
            return new String(in.readAllBytes()).lines().map(String::strip).filter(s -> !s.isEmpty()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The YAML text of a built-in config, or null. */
    public static String builtinText(String name) {
        try (InputStream in = ConfigFiles.class.getClassLoader().getResourceAsStream(BUILTIN + name + ".yaml")) {
            return in == null ? null : new String(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Resolves a config given as a path or a built-in name, with its base chain merged and overrides applied. */
    public static ObjectNode load(String pathOrName, List<String> overrides) {
        ObjectNode tree = resolve(pathOrName, null, new ArrayList<>());
        for (String o : overrides) applyOverride(tree, o);
        return tree;
    }

    private static ObjectNode resolve(String ref, Path relativeTo, List<String> chain) {
        if (chain.contains(ref)) throw new IllegalArgumentException("config 'extends' cycle: " + chain + " -> " + ref);
        chain.add(ref);
        ObjectNode node;
        Path file = null;
        Path asPath = relativeTo != null ? relativeTo.resolve(ref) : Path.of(ref);
        try {
            if (Files.isRegularFile(asPath)) {
                file = asPath.toAbsolutePath();
                node = parse(Files.readString(file), file.toString());
            } else {
                String text = builtinText(ref.endsWith(".yaml") ? ref.substring(0, ref.length() - 5) : ref);
                if (text == null) {
                    throw new IllegalArgumentException("config '" + ref + "' is neither a file nor a built-in config; "
                            + "built-ins: " + builtinNames() + " (see `jtuner list-cfg`)");
                }
                node = parse(text, "built-in " + ref);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config " + asPath + ": " + e.getMessage(), e);
        }
        JsonNode base = node.remove("extends");
        if (base == null || base.isNull()) return node;
        ObjectNode merged = resolve(base.asText(), file == null ? null : file.getParent(), chain);
        merge(merged, node);
        return merged;
    }

    private static ObjectNode parse(String text, String where) throws IOException {
        JsonNode n = YAML.readTree(text);
        if (n == null || n.isMissingNode() || n.isNull()) return JsonNodeFactory.instance.objectNode();
        if (!n.isObject()) throw new IllegalArgumentException("config " + where + " must be a YAML mapping at the top");
        return (ObjectNode) n;
    }

    /** Deep merge: mappings merge key by key, anything else in {@code top} replaces what {@code base} had. */
    public static void merge(ObjectNode base, ObjectNode top) {
        for (Iterator<Map.Entry<String, JsonNode>> it = top.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode existing = base.get(e.getKey());
            if (existing instanceof ObjectNode eo && e.getValue() instanceof ObjectNode to) merge(eo, to);
            else base.set(e.getKey(), e.getValue().deepCopy());
        }
    }

    /** Applies {@code a.b.c=value}; the value is read as YAML (numbers, booleans, lists, null). */
    public static void applyOverride(ObjectNode tree, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--set needs key=value, got '" + assignment + "'");
        String[] path = assignment.substring(0, eq).strip().split("\\.");
        JsonNode value;
        try {
            value = YAML.readTree(assignment.substring(eq + 1));
        } catch (IOException e) {
            throw new IllegalArgumentException("--set " + assignment + ": the value is not valid YAML: " + e.getMessage());
        }
        if (value == null || value.isMissingNode()) value = JsonNodeFactory.instance.nullNode();
        ObjectNode at = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode next = at.get(path[i]);
            if (!(next instanceof ObjectNode)) {
                next = JsonNodeFactory.instance.objectNode();
                at.set(path[i], next);
            }
            at = (ObjectNode) next;
        }
        at.set(path[path.length - 1], value);
    }

    /** Where built-in configs are when running from a source tree (for copy-cfg messages). */
    static Path sourceOf(String name) {
        try {
            var url = ConfigFiles.class.getClassLoader().getResource(BUILTIN + name + ".yaml");
            return url == null || !"file".equals(url.getProtocol()) ? null : Path.of(url.toURI());
        } catch (URISyntaxException e) {
            return null;
        }
    }
}

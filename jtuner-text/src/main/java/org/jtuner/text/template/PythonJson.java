package org.jtuner.text.template;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)} byte for byte: the
 * {@code tojson} filter of transformers' chat templates is exactly that call, and its output
 * (spaces after {@code ,} and {@code :}, floats as Python prints them, no HTML escaping) differs from
 * Jackson's and from Jinjava's own {@code tojson}.
 */
final class PythonJson {
    private final boolean ensureAscii;
    private final String indent; // null: everything on one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /**
     * @param indent     null, a number of spaces, or the indent string itself (as Python accepts)
     * @param separators null, or the pair (item separator, key separator)
     */
    PythonJson(boolean ensureAscii, Object indent, List<?> separators, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indent == null ? null
                : indent instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : indent.toString();
        if (separators != null) {
            if (separators.size() != 2) throw new IllegalArgumentException("separators must be a pair, got " + separators);
            this.itemSeparator = separators.get(0).toString();
            this.keySeparator = separators.get(1).toString();
        } else {
            // json.dumps: (', ', ': ') without indent, (',', ': ') with one.
            this.itemSeparator = this.indent == null ? ", " : ",";
            this.keySeparator = ": ";
        }
        this.sortKeys = sortKeys;
    }

    /** {@code json.dumps(value)} with the defaults transformers uses ({@code ensure_ascii=False}). */
    static String dumps(Object value) {
        return new PythonJson(false, null, null, false).write(value);
    }

    String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, 0);
        return out.toString();
    }

    private void write(Object value, StringBuilder out, int level) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof CharSequence || value instanceof Character) {
            string(value.toString(), out);
        } else if (value instanceof Double || value instanceof Float) {
            out.append(floatRepr(((Number) value).doubleValue()));
        } else if (value instanceof BigDecimal d) {
            out.append(floatRepr(d.doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
        } else if (value instanceof Map<?, ?> map) {
            object(map, out, level);
        } else if (value instanceof Map.Entry<?, ?> entry) {
            array(List.of(entry.getKey(), entry.getValue()), out, level);
        } else if (value instanceof Iterable<?> items) {
            List<Object> list = new ArrayList<>();
            items.forEach(list::add);
            array(list, out, level);
        } else if (value.getClass().isArray()) {
            List<Object> list = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) list.add(Array.get(value, i));
            array(list, out, level);
        } else {
            throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName() + " is not JSON serializable");
        }
    }

    private void object(Map<?, ?> map, StringBuilder out, int level) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) entries.sort(Comparator.comparing(e -> String.valueOf(e.getKey())));
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) out.append(itemSeparator);
            first = false;
            newline(out, level + 1);
            string(key(e.getKey()), out);
            out.append(keySeparator);
            write(e.getValue(), out, level + 1);
        }
        newline(out, level);
        out.append('}');
    }

    /** Python turns non-string keys into strings: True -> "true", None -> "null", 1.5 -> "1.5". */
    private static String key(Object key) {
        if (key == null) return "null";
        if (key instanceof Boolean b) return b ? "true" : "false";
        if (key instanceof Double || key instanceof Float) return floatRepr(((Number) key).doubleValue());
        return key.toString();
    }

    private void array(List<?> items, StringBuilder out, int level) {
        if (items.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) out.append(itemSeparator);
            newline(out, level + 1);
            write(items.get(i), out, level + 1);
        }
        newline(out, level);
        out.append(']');
    }

    private void newline(StringBuilder out, int level) {
        if (indent == null) return;
        out.append('\n');
        out.append(indent.repeat(level));
    }

    private void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c)); // UTF-16 units, as Python writes them
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        // Double.toString gives the shortest digits that round-trip (JDK 19+), as Python's repr does.
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int exponent = digits.length() - 1 - exact.scale(); // value = d.ddd × 10^exponent
        StringBuilder out = new StringBuilder(d < 0 ? "-" : "");
        if (exponent < -4 || exponent >= 16) {
            out.append(digits.charAt(0));
            if (digits.length() > 1) out.append('.').append(digits, 1, digits.length());
            out.append('e').append(exponent < 0 ? '-' : '+');
            int abs = Math.abs(exponent);
            if (abs < 10) out.append('0');
            out.append(abs);
        } else if (exponent < 0) {
            out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        } else if (digits.length() <= exponent + 1) {
            out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
        } else {
            out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
        return out.toString();
    }
}

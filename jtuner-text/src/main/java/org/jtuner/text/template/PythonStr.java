package org.jtuner.text.template;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values: what Jinja prints for {@code {{ x }}} and
 * what {@code ~}, {@code join} and {@code |string} produce. Jinjava prints Java's forms instead
 * ({@code true}, {@code [a, b]}, {@code {a=1}}).
 */
final class PythonStr {
    private PythonStr() {}

    /**
     * {@code str(value)}, except that a top-level null prints as nothing: Jinjava has one null for both
     * Jinja's Undefined (prints "") and None (prints "None"), and printing an undefined name
     * ({@code {{ bos_token }}} for a tokenizer without one) is what templates do, on purpose.
     */
    static String str(Object value) {
        if (value == null) return "";
        if (value instanceof CharSequence s) return s.toString();
        return repr(value);
    }

    static String repr(Object value) {
        if (value == null) return "None";
        if (value instanceof Boolean b) return b ? "True" : "False";
        if (value instanceof CharSequence s) return quote(s.toString());
        if (value instanceof Character c) return quote(c.toString());
        if (value instanceof Double || value instanceof Float) return floatStr(((Number) value).doubleValue());
        if (value instanceof BigDecimal d) return floatStr(d.doubleValue());
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
            while (it.hasNext()) {
                Map.Entry<?, ?> e = it.next();
                out.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                if (it.hasNext()) out.append(", ");
            }
            return out.append('}').toString();
        }
        if (value instanceof Map.Entry<?, ?> e) return "(" + repr(e.getKey()) + ", " + repr(e.getValue()) + ")";
        if (value instanceof Iterable<?> items) {
            StringBuilder out = new StringBuilder("[");
            Iterator<?> it = items.iterator();
            while (it.hasNext()) {
                out.append(repr(it.next()));
                if (it.hasNext()) out.append(", ");
            }
            return out.append(']').toString();
        }
        if (value.getClass().isArray()) {
            StringBuilder out = new StringBuilder("[");
            for (int i = 0; i < Array.getLength(value); i++) {
                if (i > 0) out.append(", ");
                out.append(repr(Array.get(value, i)));
            }
            return out.append(']').toString();
        }
        return value.toString();
    }

    /** {@code str(float)}: like JSON's repr but with Python's names for the special values. */
    private static String floatStr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        return PythonJson.floatRepr(d);
    }

    /** {@code repr(str)}: single quotes unless the text has a single quote and no double quote. */
    private static String quote(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(q);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == q || cp == '\\') out.append('\\').appendCodePoint(cp);
            else if (cp == '\n') out.append("\\n");
            else if (cp == '\r') out.append("\\r");
            else if (cp == '\t') out.append("\\t");
            else if (isPrintable(cp)) out.appendCodePoint(cp);
            else if (cp < 0x100) out.append(String.format("\\x%02x", cp));
            else if (cp < 0x10000) out.append(String.format("\\u%04x", cp));
            else out.append(String.format("\\U%08x", cp));
        }
        return out.append(q).toString();
    }

    /** Python's {@code str.isprintable} for one character. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') return true;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}

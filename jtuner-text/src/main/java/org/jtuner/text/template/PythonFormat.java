package org.jtuner.text.template;

import java.util.List;
import java.util.Map;

/**
 * Python's string formatting for the two places templates use it: {@code str.format} with {@code {name}},
 * {@code {0}} and {@code {}} fields (XTuner's {@code INSTRUCTION.format(input=..., round=...)}, and
 * {@code '...'.format(...)} in chat templates), and printf-style {@code '%s' % value}.
 * Substituted values are not parsed again, as in Python.
 */
final class PythonFormat {
    private PythonFormat() {}

    /** {@code template.format(*positional, **named)}; format specs and conversions are not supported. */
    static String format(String template, List<?> positional, Map<String, ?> named) {
        StringBuilder out = new StringBuilder(template.length());
        int auto = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c == '}') {
                if (i + 1 < template.length() && template.charAt(i + 1) == '}') {
                    out.append('}');
                    i++;
                    continue;
                }
                throw new IllegalArgumentException("Single '}' encountered in format string: " + template);
            }
            if (c != '{') {
                out.append(c);
                continue;
            }
            if (i + 1 < template.length() && template.charAt(i + 1) == '{') {
                out.append('{');
                i++;
                continue;
            }
            int end = template.indexOf('}', i);
            if (end < 0) throw new IllegalArgumentException("Single '{' encountered in format string: " + template);
            String field = template.substring(i + 1, end);
            if (field.contains(":") || field.contains("!")) {
                throw new IllegalArgumentException("format specs are not supported: {" + field + "} in " + template);
            }
            Object value;
            if (field.isEmpty()) {
                value = positional(positional, auto++, template);
            } else if (field.chars().allMatch(Character::isDigit)) {
                value = positional(positional, Integer.parseInt(field), template);
            } else if (named.containsKey(field)) {
                value = named.get(field);
            } else {
                throw new IllegalArgumentException("KeyError: '" + field + "' in format string: " + template);
            }
            out.append(PythonStr.str(value == null ? "None" : value));
            i = end;
        }
        return out.toString();
    }

    private static Object positional(List<?> args, int index, String template) {
        if (index >= args.size()) {
            throw new IllegalArgumentException("IndexError: replacement index " + index + " out of range in " + template);
        }
        return args.get(index);
    }

    /** {@code template % args} for the conversions s, r, d, i, f, x, X, c and %%, with flags, width and precision. */
    static String percent(String template, Object args) {
        List<?> values = args instanceof List<?> list ? list : List.of(args == null ? "None" : args);
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int j = i + 1;
            while (j < template.length() && "-+ 0#".indexOf(template.charAt(j)) >= 0) j++;
            while (j < template.length() && (Character.isDigit(template.charAt(j)) || template.charAt(j) == '.')) j++;
            if (j >= template.length()) throw new IllegalArgumentException("incomplete format: " + template);
            String spec = template.substring(i + 1, j);
            char conversion = template.charAt(j);
            i = j;
            if (conversion == '%') {
                out.append('%');
                continue;
            }
            if (next >= values.size()) throw new IllegalArgumentException("not enough arguments for format string: " + template);
            Object v = values.get(next++);
            out.append(switch (conversion) {
                case 's' -> String.format("%" + spec + "s", PythonStr.str(v == null ? "None" : v));
                case 'r' -> String.format("%" + spec + "s", PythonStr.repr(v));
                case 'd', 'i' -> String.format("%" + spec + "d", ((Number) v).longValue());
                case 'f', 'F' -> String.format("%" + spec + "f", ((Number) v).doubleValue());
                case 'x', 'X' -> String.format("%" + spec + conversion, ((Number) v).longValue());
                case 'c' -> v instanceof Number n ? Character.toString(n.intValue()) : PythonStr.str(v);
                default -> throw new IllegalArgumentException("unsupported format character '" + conversion + "' in " + template);
            });
        }
        if (next < values.size()) throw new IllegalArgumentException("not all arguments converted during string formatting");
        return out.toString();
    }
}

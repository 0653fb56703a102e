package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.util.ObjectTruthValue;

/**
 * Jinja's built-in filters where Jinjava's differ in output: {@code trim} (Python whitespace),
 * {@code length}/{@code count} (code points), {@code string} and {@code join} (Python's {@code str()} of
 * items: True, None), {@code capitalize}, {@code title}, {@code upper}, {@code lower}, {@code sum}
 * (integers stay integers), {@code list} (a dict gives its keys, a string its characters), and the ones
 * Jinjava lacks or reads differently: {@code items} (Jinja 3.1), {@code indent(width, first, blank)},
 * {@code min}/{@code max}.
 */
final class PythonFilters {
    private PythonFilters() {}

    static List<Filter> all() {
        return List.of(
                filter("trim", (v, a) -> PythonMethods.strip(PythonStr.str(v), a.length > 0 ? a[0] : null, true, true)),
                filter("length", (v, a) -> length(v)),
                filter("count", (v, a) -> length(v)),
                filter("string", (v, a) -> PythonStr.str(v)),
                filter("upper", (v, a) -> PythonStr.str(v).toUpperCase(Locale.ROOT)),
                filter("lower", (v, a) -> PythonStr.str(v).toLowerCase(Locale.ROOT)),
                filter("capitalize", (v, a) -> capitalize(PythonStr.str(v))),
                filter("title", (v, a) -> PythonMethods.title(PythonStr.str(v))),
                filter("items", (v, a) -> items(v)),
                filter("list", (v, a) -> new PyList(PythonForTag.items(v))),
                new MinMaxFilter("min", -1),
                new MinMaxFilter("max", 1),
                new JoinFilter(),
                new SumFilter(),
                new IndentFilter());
    }

    private static Filter filter(String name, BiFunction<Object, Object[], Object> body) {
        return new Filter() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
                return body.apply(var, args);
            }

            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
                return body.apply(var, args);
            }
        };
    }

    /** {@code items(mapping)}: the (key, value) pairs; nothing for an undefined value. */
    private static Object items(Object v) {
        if (v == null) return new PyList(new ArrayList<>());
        if (!(v instanceof Map<?, ?> map)) throw new IllegalArgumentException("items: expected a mapping, got " + PythonStr.repr(v));
        return new PyList(new ArrayList<>(map.entrySet()));
    }

    /** Python's {@code len()}: strings count code points. */
    static int length(Object v) {
        if (v == null) return 0;
        if (v instanceof CharSequence s) return s.toString().codePointCount(0, s.length());
        if (v instanceof Collection<?> c) return c.size();
        if (v instanceof Map<?, ?> m) return m.size();
        if (v.getClass().isArray()) return Array.getLength(v);
        if (v instanceof Iterable<?> it) {
            int n = 0;
            for (Object ignored : it) n++;
            return n;
        }
        return 0;
    }

    private static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.offsetByCodePoints(0, 1);
        return s.substring(0, first).toUpperCase(Locale.ROOT) + s.substring(first).toLowerCase(Locale.ROOT);
    }

    /** {@code join(d='', attribute=None)}: {@code d.join(str(x) for x in value)}. */
    private static final class JoinFilter implements Filter {
        @Override
        public String getName() {
            return "join";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            String separator = args.length > 0 && args[0] != null ? PythonStr.str(args[0])
                    : kwargs.containsKey("d") ? PythonStr.str(kwargs.get("d")) : "";
            Object attribute = args.length > 1 ? args[1] : kwargs.get("attribute");
            List<String> parts = new ArrayList<>();
            for (Object item : items(var)) {
                Object value = attribute == null ? item
                        : interpreter.resolveProperty(item, List.of(attribute.toString().split("\\.")));
                parts.add(PythonStr.str(value));
            }
            return String.join(separator, parts);
        }

        private static Iterable<?> items(Object var) {
            if (var == null) return List.of();
            if (var instanceof CharSequence s) return s.toString().codePoints().mapToObj(Character::toString).toList();
            if (var instanceof Map<?, ?> m) return m.keySet();
            if (var instanceof Iterable<?> it) return it;
            if (var.getClass().isArray()) {
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < Array.getLength(var); i++) out.add(Array.get(var, i));
                return out;
            }
            return List.of(var);
        }
    }

    /** {@code sum(iterable, attribute=None, start=0)} with Python's int/float arithmetic. */
    private static final class SumFilter implements Filter {
        @Override
        public String getName() {
            return "sum";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object attribute = args.length > 0 ? args[0] : kwargs.get("attribute");
            Object start = args.length > 1 ? args[1] : kwargs.getOrDefault("start", 0L);
            long whole = 0;
            double real = 0;
            boolean isReal = false;
            List<Object> values = new ArrayList<>(PythonForTag.items(var));
            values.add(start);
            for (Object item : values) {
                Object v = attribute == null || item == start ? item
                        : interpreter.resolveProperty(item, List.of(attribute.toString().split("\\.")));
                if (!(v instanceof Number n)) throw new IllegalArgumentException("sum: not a number: " + v);
                if (n instanceof Double || n instanceof Float || n instanceof java.math.BigDecimal) {
                    isReal = true;
                    real += n.doubleValue();
                } else {
                    whole += n.longValue();
                }
            }
            return isReal ? real + whole : (Object) whole;
        }
    }

    /** {@code indent(s, width=4, first=False, blank=False)} as Jinja 3 defines it. */
    private static final class IndentFilter implements Filter {
        @Override
        public String getName() {
            return "indent";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object width = args.length > 0 ? args[0] : kwargs.getOrDefault("width", 4L);
            boolean first = ObjectTruthValue.evaluate(args.length > 1 ? args[1] : kwargs.get("first"));
            boolean blank = ObjectTruthValue.evaluate(args.length > 2 ? args[2] : kwargs.get("blank"));
            String indention = width instanceof Number n ? " ".repeat(n.intValue()) : PythonStr.str(width);
            List<String> lines = PythonMethods.splitlines(PythonStr.str(var) + "\n");
            StringBuilder out = new StringBuilder();
            if (blank) {
                out.append(String.join("\n" + indention, lines));
            } else {
                out.append(lines.getFirst());
                for (String line : lines.subList(1, lines.size())) {
                    out.append('\n');
                    if (!line.isEmpty()) out.append(indention);
                    out.append(line);
                }
            }
            return first ? indention + out : out.toString();
        }
    }

    /** {@code min/max(value, case_sensitive=False, attribute=None)}: strings compare case-insensitively by default. */
    private static final class MinMaxFilter implements Filter {
        private final String name;
        private final int sign;

        MinMaxFilter(String name, int sign) {
            this.name = name;
            this.sign = sign;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            boolean caseSensitive = ObjectTruthValue.evaluate(args.length > 0 ? args[0] : kwargs.get("case_sensitive"));
            Object attribute = args.length > 1 ? args[1] : kwargs.get("attribute");
            Object best = null;
            Object bestKey = null;
            for (Object item : PythonForTag.items(var)) {
                Object key = attribute == null ? item
                        : interpreter.resolveProperty(item, List.of(attribute.toString().split("\\.")));
                if (!caseSensitive && key instanceof String s) key = s.toLowerCase(Locale.ROOT);
                if (bestKey == null || sign * compare(key, bestKey) > 0) {
                    best = item;
                    bestKey = key;
                }
            }
            return best; // Jinja: Undefined for an empty sequence
        }

        private static int compare(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) return Double.compare(x.doubleValue(), y.doubleValue());
            if (a instanceof String x && b instanceof String y) return x.compareTo(y);
            throw new IllegalArgumentException("cannot compare " + PythonStr.repr(a) + " and " + PythonStr.repr(b));
        }
    }
}

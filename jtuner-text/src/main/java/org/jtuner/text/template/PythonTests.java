package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Jinja tests ({@code x is ...}) whose Jinjava versions differ from Python's. */
final class PythonTests {
    private PythonTests() {}

    static List<ExpTest> all() {
        return List.of(new In(), new Sequence());
    }

    /** {@code x is in seq}: Python's {@code in} (substring, dict key, item); Jinjava's rejects strings. */
    private static final class In implements ExpTest {
        @Override
        public String getName() {
            return "in";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            if (args.length != 1) throw new IllegalArgumentException("'in' test needs one argument");
            Object container = args[0];
            if (container instanceof CharSequence s) return var != null && s.toString().contains(PythonStr.str(var));
            if (container instanceof Map<?, ?> m) return m.containsKey(var);
            return PythonForTag.items(container).stream().anyMatch(x -> equal(x, var));
        }

        private static boolean equal(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) return x.doubleValue() == y.doubleValue();
            return Objects.equals(a, b);
        }
    }

    /** {@code x is sequence}: anything with a length and items, strings and dicts included. */
    private static final class Sequence implements ExpTest {
        @Override
        public String getName() {
            return "sequence";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof Collection<?> || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }
}

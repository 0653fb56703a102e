package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.PyWrapper;
import java.util.HashMap;
import java.util.List;

/**
 * Jinja's {@code loop} variable for one iteration: index, index0, revindex, revindex0, first, last,
 * length, previtem and nextitem (absent, i.e. undefined, at the ends), and {@code loop.cycle(...)}
 * (answered by {@link PythonMethods}). It also carries a pending {@code break}/{@code continue}, which the
 * loop and if tags check after each node so that nothing after it renders.
 */
final class JinjaLoop extends HashMap<String, Object> implements PyWrapper {
    private static final long serialVersionUID = 1L;
    enum Interrupt { NONE, BREAK, CONTINUE }

    private final int index0;
    private Interrupt interrupt = Interrupt.NONE;

    JinjaLoop(List<?> items, int index0) {
        this.index0 = index0;
        int length = items.size();
        put("index0", index0);
        put("index", index0 + 1);
        put("revindex0", length - index0 - 1);
        put("revindex", length - index0);
        put("first", index0 == 0);
        put("last", index0 == length - 1);
        put("length", length);
        put("depth", 1);
        put("depth0", 0);
        if (index0 > 0) put("previtem", items.get(index0 - 1));
        if (index0 + 1 < length) put("nextitem", items.get(index0 + 1));
    }

    Object cycle(Object[] values) {
        if (values.length == 0) throw new IllegalArgumentException("loop.cycle() needs at least one value");
        return values[index0 % values.length];
    }

    void interrupt(Interrupt kind) {
        interrupt = kind;
    }

    Interrupt interrupt() {
        return interrupt;
    }

    /** The innermost loop of the interpreter's current scope, or null outside loops. */
    static JinjaLoop current(JinjavaInterpreter interpreter) {
        return interpreter.getContext().get("loop") instanceof JinjaLoop loop ? loop : null;
    }

    /** True when a break or continue is pending in the current loop: the rest of the body must not render. */
    static boolean interrupted(JinjavaInterpreter interpreter) {
        JinjaLoop loop = current(interpreter);
        return loop != null && loop.interrupt != Interrupt.NONE;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}

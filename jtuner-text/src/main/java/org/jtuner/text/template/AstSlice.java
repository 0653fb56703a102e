package org.jtuner.text.template;

import com.hubspot.jinjava.objects.collections.PyList;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/** {@code seq[start:stop:step]} with Python's semantics, on lists, arrays and strings. */
final class AstSlice extends AstRightValue {
    private final AstNode base;
    private final AstNode start;
    private final AstNode stop;
    private final AstNode step;

    AstSlice(AstNode base, AstNode start, AstNode stop, AstNode step) {
        this.base = base;
        this.start = start;
        this.stop = stop;
        this.step = step;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object value = base.eval(bindings, context);
        if (value == null) throw new ELException("cannot slice None: " + base);
        Integer first = bound(start, bindings, context);
        Integer last = bound(stop, bindings, context);
        Integer stride = bound(step, bindings, context);
        if (value instanceof CharSequence text) {
            int[] cps = text.toString().codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (int i : indices(cps.length, first, last, stride)) out.appendCodePoint(cps[i]);
            return out.toString();
        }
        List<?> items = asList(value);
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), first, last, stride)) out.add(items.get(i));
        return new PyList(out);
    }

    private static List<?> asList(Object value) {
        if (value instanceof List<?> list) return list;
        if (value.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) out.add(Array.get(value, i));
            return out;
        }
        if (value instanceof Map<?, ?>) throw new ELException("cannot slice a mapping");
        if (value instanceof Iterable<?> iterable) {
            List<Object> out = new ArrayList<>();
            iterable.forEach(out::add);
            return out;
        }
        throw new ELException("cannot slice a " + value.getClass().getSimpleName());
    }

    private static Integer bound(AstNode node, Bindings bindings, ELContext context) {
        if (node == null) return null;
        Object v = node.eval(bindings, context);
        if (v == null) return null;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        throw new ELException("slice indices must be integers or None, not " + v);
    }

    /** The positions {@code slice(start, stop, step).indices(length)} walks, as Python computes them. */
    static int[] indices(int length, Integer start, Integer stop, Integer step) {
        int s = step == null ? 1 : step;
        if (s == 0) throw new ELException("slice step cannot be zero");
        int lower = s > 0 ? 0 : -1;
        int upper = s > 0 ? length : length - 1;
        int from = start == null ? (s > 0 ? lower : upper) : clamp(start, length, lower, upper);
        int to = stop == null ? (s > 0 ? upper : lower) : clamp(stop, length, lower, upper);
        int count = s > 0 ? Math.max(0, (to - from + s - 1) / s) : Math.max(0, (from - to - s - 1) / -s);
        int[] out = new int[count];
        for (int k = 0; k < count; k++) out[k] = from + k * s;
        return out;
    }

    private static int clamp(int index, int length, int lower, int upper) {
        if (index < 0) index += length;
        return Math.max(lower, Math.min(upper, index));
    }

    @Override
    public void appendStructure(StringBuilder builder, Bindings bindings) {
        base.appendStructure(builder, bindings);
        builder.append('[');
        if (start != null) start.appendStructure(builder, bindings);
        builder.append(':');
        if (stop != null) stop.appendStructure(builder, bindings);
        if (step != null) {
            builder.append(':');
            step.appendStructure(builder, bindings);
        }
        builder.append(']');
    }

    @Override
    public String toString() {
        return "[::]";
    }

    @Override
    public int getCardinality() {
        return 1 + (start != null ? 1 : 0) + (stop != null ? 1 : 0) + (step != null ? 1 : 0);
    }

    @Override
    public AstNode getChild(int i) {
        List<AstNode> children = new ArrayList<>(4);
        children.add(base);
        if (start != null) children.add(start);
        if (stop != null) children.add(stop);
        if (step != null) children.add(step);
        return children.get(i);
    }
}

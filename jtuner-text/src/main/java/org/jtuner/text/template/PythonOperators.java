package org.jtuner.text.template;

import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.misc.NumberOperations;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/** Binary operators with Python's semantics where Jinjava's differ; {@link PythonExpressionParser} builds them in. */
final class PythonOperators {
    private PythonOperators() {}

    /** {@code a ~ b}: Python's {@code str(a) + str(b)}. */
    static final AstBinary.Operator CONCAT = (bindings, context, left, right) ->
            PythonStr.str(left.eval(bindings, context)) + PythonStr.str(right.eval(bindings, context));

    /** {@code a and b}: the deciding operand, not a boolean. */
    static final AstBinary.Operator AND = (bindings, context, left, right) -> {
        Object a = left.eval(bindings, context);
        return ObjectTruthValue.evaluate(a) ? right.eval(bindings, context) : a;
    };

    /** {@code a * b}: also repeats a string or a list. */
    static final AstBinary.Operator MUL = (bindings, context, left, right) -> {
        Object a = left.eval(bindings, context);
        Object b = right.eval(bindings, context);
        if (a instanceof Number n && (b instanceof CharSequence || b instanceof List<?>)) return repeat(b, n);
        if (b instanceof Number n && (a instanceof CharSequence || a instanceof List<?>)) return repeat(a, n);
        return NumberOperations.mul(bindings, a, b);
    };

    /** {@code a % b}: printf-style formatting for a string, Python's floored modulo for numbers. */
    static final AstBinary.Operator MOD = (bindings, context, left, right) -> {
        Object a = left.eval(bindings, context);
        Object b = right.eval(bindings, context);
        if (a instanceof CharSequence s) return PythonFormat.percent(s.toString(), b);
        if (isWhole(a) && isWhole(b)) return Math.floorMod(((Number) a).longValue(), ((Number) b).longValue());
        if (a instanceof Number x && b instanceof Number y) {
            double d = y.doubleValue();
            return x.doubleValue() - Math.floor(x.doubleValue() / d) * d;
        }
        return NumberOperations.mod(bindings, a, b);
    };

    private static boolean isWhole(Object o) {
        return o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte;
    }

    private static Object repeat(Object seq, Number times) {
        int n = Math.max(0, times.intValue());
        if (seq instanceof CharSequence s) return s.toString().repeat(n);
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.addAll((List<?>) seq);
        return new PyList(out);
    }
}

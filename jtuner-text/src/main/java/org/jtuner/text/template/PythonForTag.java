package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.JinjavaInterpreter.InterpreterScopeClosable;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.interpret.NullValue;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Jinja's {@code {% for target in iterable [if test] %}...[{% else %}...]{% endfor %}} in place of
 * Jinjava's, which lacks the {@code if} filter, {@code else}, {@code loop.previtem}/{@code nextitem}, and
 * keeps one scope for all iterations where Jinja starts each iteration afresh (a {@code set} in the body
 * is not seen by the next iteration nor after the loop; only {@code namespace} attributes are).
 * Iterating a dict yields its keys, a string its characters, as in Python.
 */
final class PythonForTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return "for";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        Header header = Header.parse(tagNode.getHelpers(), interpreter);
        List<Object> items = items(interpreter.resolveELExpression(header.iterable, tagNode.getLineNumber()));
        if (header.test != null) items = filter(items, header, tagNode, interpreter);

        List<Node> body = new ArrayList<>();
        List<Node> otherwise = new ArrayList<>();
        List<Node> target = body;
        for (Node child : tagNode.getChildren()) {
            if (child instanceof TagNode t && t.getName().equals(ElseTag.TAG_NAME) && target == body) {
                target = otherwise;
                continue;
            }
            target.add(child);
        }

        StringBuilder out = new StringBuilder();
        if (items.isEmpty()) {
            render(otherwise, interpreter, out);
            return out.toString();
        }
        for (int i = 0; i < items.size(); i++) {
            try (InterpreterScopeClosable scope = interpreter.enterScope()) {
                JinjaLoop loop = new JinjaLoop(items, i);
                interpreter.getContext().put("loop", loop);
                bind(header.targets, items.get(i), interpreter);
                render(body, interpreter, out);
                if (loop.interrupt() == JinjaLoop.Interrupt.BREAK) break;
            }
        }
        return out.toString();
    }

    private static void render(List<Node> nodes, JinjavaInterpreter interpreter, StringBuilder out) {
        for (Node node : nodes) {
            out.append(node.render(interpreter).getValue());
            if (JinjaLoop.interrupted(interpreter)) return;
        }
    }

    private static List<Object> filter(List<Object> items, Header header, TagNode tagNode, JinjavaInterpreter interpreter) {
        List<Object> kept = new ArrayList<>();
        for (Object item : items) {
            try (InterpreterScopeClosable scope = interpreter.enterScope()) {
                bind(header.targets, item, interpreter);
                if (ObjectTruthValue.evaluate(interpreter.resolveELExpression(header.test, tagNode.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return kept;
    }

    /** Assigns one item to the loop target, unpacking pairs and sequences for {@code k, v}. */
    private static void bind(List<String> targets, Object item, JinjavaInterpreter interpreter) {
        if (targets.size() == 1) {
            put(interpreter, targets.getFirst(), item);
            return;
        }
        List<Object> parts = switch (item) {
            case Map.Entry<?, ?> e -> Arrays.asList(e.getKey(), e.getValue());
            case null -> throw new IllegalArgumentException("cannot unpack None into " + targets);
            default -> items(item);
        };
        if (parts.size() != targets.size()) {
            throw new IllegalArgumentException("cannot unpack " + parts.size() + " values into " + targets);
        }
        for (int i = 0; i < targets.size(); i++) put(interpreter, targets.get(i), parts.get(i));
    }

    private static void put(JinjavaInterpreter interpreter, String name, Object value) {
        // NullValue shadows an outer variable of the same name, where a plain null would let it show through.
        interpreter.getContext().put(name, value == null ? NullValue.INSTANCE : interpreter.wrap(value));
    }

    /** Python's iteration: a dict yields keys, a string characters; None and undefined yield nothing. */
    static List<Object> items(Object iterable) {
        List<Object> out = new ArrayList<>();
        switch (iterable) {
            case null -> {}
            case CharSequence s -> s.toString().codePoints().forEach(cp -> out.add(Character.toString(cp)));
            case Map<?, ?> m -> out.addAll(m.keySet());
            case Iterable<?> it -> it.forEach(out::add);
            default -> {
                if (!iterable.getClass().isArray()) {
                    throw new IllegalArgumentException("'" + iterable.getClass().getSimpleName() + "' object is not iterable");
                }
                for (int i = 0; i < Array.getLength(iterable); i++) out.add(Array.get(iterable, i));
            }
        }
        return out;
    }

    /** {@code target in iterable [if test]}, split where Jinja's grammar splits it. */
    private record Header(List<String> targets, String iterable, String test) {
        static Header parse(String helpers, JinjavaInterpreter interpreter) {
            int in = TopLevel.find(helpers, "in", 0);
            if (in < 0) throw new TemplateSyntaxException(interpreter, helpers, "'for' expects 'target in iterable'");
            String target = helpers.substring(0, in).strip();
            if (target.startsWith("(") && target.endsWith(")")) target = target.substring(1, target.length() - 1);
            List<String> targets = Arrays.stream(target.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
            String rest = helpers.substring(in + 2);
            if (TopLevel.find(rest, "recursive", 0) >= 0) {
                throw new TemplateSyntaxException(interpreter, helpers, "recursive loops are not supported");
            }
            int test = TopLevel.find(rest, "if", 0);
            Header header = test < 0
                    ? new Header(targets, rest.strip(), null)
                    : new Header(targets, rest.substring(0, test).strip(), rest.substring(test + 2).strip());
            if (targets.isEmpty() || header.iterable.isEmpty() || (header.test != null && header.test.isEmpty())) {
                throw new TemplateSyntaxException(interpreter, helpers, "'for' expects 'target in iterable [if test]'");
            }
            return header;
        }
    }

    /** Finds a keyword outside string literals and brackets. */
    static final class TopLevel {
        private TopLevel() {}

        static int find(String s, String keyword, int from) {
            int depth = 0;
            for (int i = from; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'' || c == '"') {
                    for (i++; i < s.length() && s.charAt(i) != c; i++) {
                        if (s.charAt(i) == '\\') i++;
                    }
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    depth--;
                } else if (depth == 0 && s.startsWith(keyword, i)
                        && (i == 0 || !isNamePart(s.charAt(i - 1)))
                        && (i + keyword.length() == s.length() || !isNamePart(s.charAt(i + keyword.length())))) {
                    return i;
                }
            }
            return -1;
        }

        private static boolean isNamePart(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == '.';
        }
    }
}

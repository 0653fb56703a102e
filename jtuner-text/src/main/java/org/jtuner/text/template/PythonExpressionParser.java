package org.jtuner.text.template;

import static jinjava.de.odysseus.el.tree.impl.Builder.Feature.METHOD_INVOCATIONS;
import static jinjava.de.odysseus.el.tree.impl.Builder.Feature.NULL_PROPERTIES;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.StringConcatOperator;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.Scanner.ScanException;
import jinjava.de.odysseus.el.tree.impl.Scanner.Token;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstNumber;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;

/**
 * Jinjava's expression parser made to read Jinja's expression grammar where the two differ:
 * <ul>
 *   <li>{@code not} binds looser than comparisons, tests and filters: {@code not x is defined} is
 *       {@code not (x is defined)}, {@code not a|length == 1} is {@code not ((a|length) == 1)}
 *       (Jinjava applies {@code not} to the operand next to it);</li>
 *   <li>a parenthesised dict literal is not a tuple: {@code ({"a": 1, "b": 2})};</li>
 *   <li>{@code x.0} indexes like {@code x[0]};</li>
 *   <li>unary {@code +} is the identity (see {@link PythonScanner} for its scanning);</li>
 *   <li>{@code and}, {@code ~}, {@code *} and {@code %} with Python's semantics ({@link PythonOperators});</li>
 *   <li>extended slices {@code seq[start:stop:step]}, e.g. {@code messages[::-1]} (Jinjava knows only
 *       {@code [a:b]}, with its own rules for negative bounds), evaluated by {@link AstSlice} with
 *       Python's rules;</li>
 *   <li>keyword arguments whose value is a whole expression, e.g.
 *       {@code namespace(last_query_index=messages|length - 1)}: Jinjava parses {@code =} as an
 *       additive operator and so computes {@code (last_query_index=messages|length) - 1}.</li>
 * </ul>
 * It relies on Jinjava's "natural operator precedence" (filters bind tighter than arithmetic, as in
 * Jinja), which {@link HfJinjava} turns on.
 */
final class PythonExpressionParser extends ExtendedParser {

    PythonExpressionParser(Builder context, String input) {
        super(context, input);
        putExtensionHandler(StringConcatOperator.TOKEN, new ExtensionHandler(ExtensionPoint.ADD) {
            @Override
            public AstNode createAstNode(AstNode... children) {
                return new AstBinary(children[0], children[1], PythonOperators.CONCAT);
            }
        });
    }

    /** Arithmetic and logic with Python's semantics: see {@link PythonOperators}. */
    @Override
    protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
        if (operator == AstBinary.MUL) operator = PythonOperators.MUL;
        else if (operator == AstBinary.MOD) operator = PythonOperators.MOD;
        return super.createAstBinary(left, right, operator);
    }

    @Override
    protected Scanner createScanner(String expression) {
        return new PythonScanner(expression);
    }

    @Override
    protected AstNode and(boolean required) throws ScanException, ParseException {
        AstNode v = not(required);
        if (v == null) return null;
        while (true) {
            if (getToken().getSymbol() == Symbol.AND) {
                consumeToken();
                v = createAstBinary(v, not(true), PythonOperators.AND);
            } else if (getToken().getSymbol() == Symbol.EXTENSION
                    && getExtensionHandler(getToken()).getExtensionPoint() == ExtensionPoint.AND) {
                v = getExtensionHandler(consumeToken()).createAstNode(v, not(true));
            } else {
                return v;
            }
        }
    }

    /** Jinja's {@code parse_not}: between {@code and} and the comparisons. */
    private AstNode not(boolean required) throws ScanException, ParseException {
        if (getToken().getSymbol() == Symbol.NOT) {
            consumeToken();
            return createAstUnary(not(true), AstUnary.NOT);
        }
        return eq(required);
    }

    @Override
    protected AstNode unary(boolean required) throws ScanException, ParseException {
        if (getToken().getSymbol() == Symbol.PLUS) {
            consumeToken();
            return unary(true);
        }
        return super.unary(required);
    }

    /** Parenthesised expressions and tuples; a comma only makes a tuple outside nested brackets and braces. */
    @Override
    protected AstNode nonliteral() throws ScanException, ParseException {
        if (getToken().getSymbol() != Symbol.LPAREN) return super.nonliteral();
        int depth = 0;
        for (int i = 0; ; i++) {
            Token t = lookahead(i);
            Symbol s = t.getSymbol();
            if (s == Symbol.EOF) break;
            if (s == Symbol.LPAREN || s == Symbol.LBRACK || isBrace(t, "{")) {
                depth++;
            } else if (s == Symbol.RPAREN || s == Symbol.RBRACK || isBrace(t, "}")) {
                if (depth == 0) break;
                depth--;
            } else if (s == Symbol.COMMA && depth == 0) {
                return createAstTuple(params());
            }
        }
        if (lookahead(0).getSymbol() == Symbol.RPAREN) return createAstTuple(params()); // ()
        consumeToken(Symbol.LPAREN);
        AstNode v = expr(true);
        consumeToken(Symbol.RPAREN);
        return createAstNested(v);
    }

    private static boolean isBrace(Token t, String brace) {
        return t.getSymbol() == Symbol.EXTENSION && brace.equals(t.getImage()); // dict literal delimiters
    }

    /** Builds trees with {@link PythonExpressionParser}; handed to Jinjava through its expression factory. */
    static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;

        SyntaxBuilder(Feature... features) {
            super(features);
        }

        @Override
        protected Parser createParser(String expression) {
            return new PythonExpressionParser(this, expression);
        }
    }

    @Override
    protected AstParameters params(Symbol left, Symbol right) throws ScanException, ParseException {
        consumeToken(left);
        List<AstNode> args = new ArrayList<>();
        AstNode first = argument(false);
        if (first != null) {
            args.add(first);
            while (getToken().getSymbol() == Symbol.COMMA) {
                consumeToken();
                AstNode next = argument(false);
                if (next == null) break; // Python allows a trailing comma
                args.add(next);
            }
        }
        consumeToken(right);
        return createAstParameters(args);
    }

    /** One argument: {@code name=expression} binds the whole expression to the name. */
    private AstNode argument(boolean required) throws ScanException, ParseException {
        Token next = lookahead(0);
        if (getToken().getSymbol() == Symbol.IDENTIFIER && next.getSymbol() == Symbol.EXTENSION && "=".equals(next.getImage())) {
            String name = consumeToken().getImage();
            consumeToken(); // '='
            return new AstNamedParameter(identifier(name), expr(true));
        }
        return expr(required);
    }

    /** Jinjava's {@code value()} (natural-precedence branch) with Python subscripts and slices. */
    @Override
    protected AstNode value() throws ScanException, ParseException {
        boolean lvalue = true;
        AstNode v = nonliteral();
        if (v == null) {
            v = literal();
            if (v == null) return null;
            lvalue = false;
        }
        while (true) {
            switch (getToken().getSymbol()) {
                case DOT -> {
                    consumeToken();
                    String name = consumeToken(Symbol.IDENTIFIER).getImage();
                    AstDot dot = createAstDot(v, name, lvalue);
                    v = getToken().getSymbol() == Symbol.LPAREN && context.isEnabled(METHOD_INVOCATIONS)
                            ? createAstMethod(dot, params())
                            : dot;
                }
                case LBRACK -> v = subscript(v, lvalue);
                case FLOAT -> {
                    // "x.0" scans as x followed by the number ".0": Jinja reads it as x[0].
                    String image = getToken().getImage();
                    if (!image.matches("\\.[0-9]+")) return v;
                    consumeToken();
                    v = createAstBracket(v, new AstNumber(Long.parseLong(image.substring(1))), lvalue,
                            !context.isEnabled(NULL_PROPERTIES));
                }
                default -> {
                    return v;
                }
            }
        }
    }

    private AstNode subscript(AstNode base, boolean lvalue) throws ScanException, ParseException {
        consumeToken(); // '['
        AstNode start = expr(false);
        if (getToken().getSymbol() != Symbol.COLON) {
            consumeToken(Symbol.RBRACK);
            AstBracket bracket = createAstBracket(base, start, lvalue, !context.isEnabled(NULL_PROPERTIES));
            return getToken().getSymbol() == Symbol.LPAREN && context.isEnabled(METHOD_INVOCATIONS)
                    ? createAstMethod(bracket, params())
                    : bracket;
        }
        consumeToken(Symbol.COLON);
        AstNode stop = expr(false);
        AstNode step = null;
        if (getToken().getSymbol() == Symbol.COLON) {
            consumeToken();
            step = expr(false);
        }
        consumeToken(Symbol.RBRACK);
        return new AstSlice(base, start, stop, step);
    }
}

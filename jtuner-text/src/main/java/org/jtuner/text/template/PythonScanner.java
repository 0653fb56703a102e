package org.jtuner.text.template;

import com.hubspot.jinjava.el.ext.ExtendedScanner;

/**
 * Jinjava's expression scanner with Python's tokens where they differ:
 * <ul>
 *   <li>string literals take all of Python's escapes (hex, 4- and 8-digit unicode, octal, bell, vertical
 *       tab, line continuation) and keep unknown ones (backslash-d stays backslash-d); Jinjava rejects all
 *       but a few;</li>
 *   <li>{@code +} is always plus: Jinjava scans {@code +} before a digit as its "absolute value" prefix,
 *       so {@code n+1} fails to parse.</li>
 * </ul>
 */
final class PythonScanner extends ExtendedScanner {

    PythonScanner(String input) {
        super(input);
    }

    @Override
    protected Token nextEval() throws ScanException {
        if (getInput().charAt(getPosition()) == '+') return fixed(Symbol.PLUS);
        return super.nextEval();
    }

    @Override
    protected Token nextString() throws ScanException {
        String in = getInput();
        int start = getPosition();
        char quote = in.charAt(start);
        StringBuilder out = new StringBuilder();
        int i = start + 1;
        while (i < in.length()) {
            char c = in.charAt(i++);
            if (c == quote) return token(Symbol.STRING, out.toString(), i - start);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i == in.length()) break;
            char e = in.charAt(i++);
            switch (e) {
                case '\n' -> {} // line continuation
                case '\\', '\'', '"' -> out.append(e);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > in.length()) throw new ScanException(start, "truncated \\" + e + " escape", "hex digits");
                    out.appendCodePoint(Integer.parseInt(in.substring(i, i + digits), 16));
                    i += digits;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int end = i - 1;
                        while (end < in.length() && end < i + 2 && in.charAt(end) >= '0' && in.charAt(end) <= '7') end++;
                        out.appendCodePoint(Integer.parseInt(in.substring(i - 1, end), 8));
                        i = end;
                    } else {
                        out.append('\\').append(e); // Python keeps unknown escapes as written
                    }
                }
            }
        }
        throw new ScanException(start, "unterminated string", String.valueOf(quote));
    }
}

package org.jtuner.text.template;

/**
 * Applies Python Jinja's whitespace rules to a template source, as transformers configures them
 * ({@code trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False}), and returns an equivalent
 * template with no whitespace control left to do: the stripped whitespace is gone from the text, the
 * {@code -}/{@code +} markers are gone from the tags, and comments are dropped.
 *
 * <p>Why: Jinjava's own trim/lstrip and {@code -} handling differ from Jinja's lexer in several places
 * (lstrip in the middle of a line, {@code {{-} ignored, the trailing newline kept), and its lexer has no
 * extension point. Rendering the normalised source with Jinjava's whitespace options off gives exactly
 * the bytes Jinja gives. The rules follow {@code jinja2/lexer.py} (3.1): {@code Lexer.tokeniter}.
 */
final class JinjaWhitespace {
    private JinjaWhitespace() {}

    private enum Kind { VARIABLE, BLOCK, COMMENT }

    /** The normalised template source. */
    static String normalize(String template) {
        return new Pass(normalizeNewlines(template)).run();
    }

    /**
     * Jinja splits the source on {@code \r\n}, {@code \r} and {@code \n}, drops one trailing empty line
     * (keep_trailing_newline=False) and joins the lines with {@code \n}.
     */
    static String normalizeNewlines(String s) {
        String joined = s.replace("\r\n", "\n").replace('\r', '\n');
        return joined.endsWith("\n") ? joined.substring(0, joined.length() - 1) : joined;
    }

    /** One left-to-right pass over the source, the way Jinja's lexer walks it. */
    private static final class Pass {
        private final String src;
        private final StringBuilder out = new StringBuilder();
        private int pos;
        /** Jinja's {@code line_starting}: the last thing consumed ended with a newline (or nothing was). */
        private boolean lineStarting = true;

        Pass(String src) {
            this.src = src;
        }

        String run() {
            while (pos < src.length()) {
                int start = nextTagStart(pos);
                if (start < 0) {
                    appendText(src.substring(pos));
                    break;
                }
                String text = src.substring(pos, start);
                Kind kind = kindAt(start);
                char sign = start + 2 < src.length() ? src.charAt(start + 2) : 0;
                boolean hasSign = sign == '-' || sign == '+';
                appendText(stripBefore(text, kind, hasSign ? sign : 0));
                int inner = start + 2 + (hasSign ? 1 : 0);
                if (kind == Kind.BLOCK && isRawStart(inner)) {
                    raw(inner);
                } else if (kind == Kind.COMMENT) {
                    comment(inner);
                } else {
                    tag(kind, inner);
                }
            }
            return out.toString();
        }

        /**
         * Text pieces that Jinja kept apart can meet once the whitespace between them is gone: a text ending
         * in '{' followed by a tag, or by text starting with '{', '%' or '#', would read as a new tag. Such a
         * '{' is written as an expression instead.
         */
        private void appendText(String text) {
            if (!text.isEmpty() && "{%#".indexOf(text.charAt(0)) >= 0) separateOpenBrace();
            out.append(text);
        }

        private void openTag(String opening) {
            separateOpenBrace();
            out.append(opening);
        }

        private void separateOpenBrace() {
            if (!out.isEmpty() && out.charAt(out.length() - 1) == '{') {
                out.setLength(out.length() - 1);
                out.append("{{ '{' }}");
            }
        }

        /** Whitespace rules for the text before a tag: '-' strips it all, lstrip_blocks strips the line's indent. */
        private String stripBefore(String text, Kind kind, char sign) {
            if (sign == '-') return rstrip(text);
            if (sign == '+' || kind == Kind.VARIABLE) return text;
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && lineStart < text.length() && isAllWhitespace(text, lineStart)) {
                return text.substring(0, lineStart);
            }
            return text;
        }

        /** Copies a {@code {{ }}} or {@code {% %}} tag without its markers and applies the rules after it. */
        private void tag(Kind kind, int inner) {
            String close = kind == Kind.VARIABLE ? "}}" : "%}";
            int depth = 0;
            int i = inner;
            while (true) {
                if (i >= src.length()) {
                    throw new IllegalArgumentException("unclosed " + (kind == Kind.VARIABLE ? "'{{'" : "'{%'")
                            + " in chat template at offset " + (inner - 2));
                }
                char c = src.charAt(i);
                if (depth == 0) {
                    // Jinja tries the end rule before anything else, and only with brackets balanced.
                    if (c == '-' && src.startsWith(close, i + 1)) {
                        emitTag(kind, inner, i);
                        pos = skipWhitespace(i + 3);
                        lineStarting = pos > i + 3 && src.charAt(pos - 1) == '\n';
                        return;
                    }
                    if (c == '+' && kind == Kind.BLOCK && src.startsWith(close, i + 1)) {
                        emitTag(kind, inner, i);
                        pos = i + 3;
                        lineStarting = false;
                        return;
                    }
                    if (src.startsWith(close, i)) {
                        emitTag(kind, inner, i);
                        pos = i + 2;
                        lineStarting = false;
                        if (kind == Kind.BLOCK && pos < src.length() && src.charAt(pos) == '\n') { // trim_blocks
                            pos++;
                            lineStarting = true;
                        }
                        return;
                    }
                }
                if (c == '\'' || c == '"') {
                    i = skipString(i);
                    continue;
                }
                if (c == '(' || c == '[' || c == '{') depth++;
                else if ((c == ')' || c == ']' || c == '}') && depth > 0) depth--;
                i++;
            }
        }

        /**
         * Writes the tag for Jinjava as "{{ body }}" / "{% body %}": the single spaces keep a body that starts
         * with '-' from reading as a whitespace marker, and "}}" inside the expression (nested dict literals)
         * is split to "} }", since Jinjava's scanner ends the tag at the first "}}" outside a string.
         */
        private void emitTag(Kind kind, int innerStart, int innerEnd) {
            StringBuilder body = new StringBuilder();
            char quote = 0;
            for (int i = innerStart; i < innerEnd; i++) {
                char c = src.charAt(i);
                body.append(c);
                if (quote != 0) {
                    if (c == '\\' && i + 1 < innerEnd) body.append(src.charAt(++i));
                    else if (c == quote) quote = 0;
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '}' && i + 1 < innerEnd && src.charAt(i + 1) == '}') {
                    body.append(' ');
                }
            }
            openTag(kind == Kind.VARIABLE ? "{{ " : "{% ");
            out.append(PythonMethods.strip(body.toString(), null, true, true));
            out.append(kind == Kind.VARIABLE ? " }}" : " %}");
        }

        /** A comment renders nothing; only the whitespace rules around it matter. */
        private void comment(int inner) {
            for (int i = inner; i < src.length(); i++) {
                if (src.startsWith("+#}", i)) {
                    pos = i + 3;
                    lineStarting = false;
                    return;
                }
                if (src.startsWith("-#}", i)) {
                    pos = skipWhitespace(i + 3);
                    lineStarting = pos > i + 3 && src.charAt(pos - 1) == '\n';
                    return;
                }
                if (src.startsWith("#}", i)) {
                    pos = i + 2;
                    lineStarting = false;
                    if (pos < src.length() && src.charAt(pos) == '\n') {
                        pos++;
                        lineStarting = true;
                    }
                    return;
                }
            }
            throw new IllegalArgumentException("missing end of comment tag in chat template at offset " + (inner - 2));
        }

        /** {@code {% raw %}...{% endraw %}}: the body is text, and Jinjava's raw tag keeps it verbatim. */
        private void raw(int inner) {
            int i = skipWhitespace(inner) + "raw".length();
            i = skipWhitespace(i);
            // Jinja applies no trim_blocks after the raw opening tag; '-%}' still strips.
            if (src.startsWith("-%}", i)) {
                int afterTag = i + 3;
                i = skipWhitespace(afterTag);
                lineStarting = i > afterTag && src.charAt(i - 1) == '\n';
            } else if (src.startsWith("%}", i)) {
                i += 2;
                lineStarting = false;
            } else {
                throw new IllegalArgumentException("malformed raw tag in chat template at offset " + (inner - 2));
            }
            int end = i;
            while (true) {
                end = src.indexOf("{%", end);
                if (end < 0) throw new IllegalArgumentException("missing end of raw directive in chat template");
                int j = end + 2;
                char sign = j < src.length() ? src.charAt(j) : 0;
                if (sign == '-' || sign == '+') j++;
                j = skipWhitespace(j);
                if (src.startsWith("endraw", j)) {
                    int after = skipWhitespace(j + "endraw".length());
                    String body = src.substring(i, end);
                    body = stripBefore(body, Kind.BLOCK, (sign == '-' || sign == '+') ? sign : 0);
                    openTag("{% raw %}");
                    out.append(body).append("{% endraw %}");
                    lineStarting = false;
                    if (src.startsWith("-%}", after)) {
                        pos = skipWhitespace(after + 3);
                        lineStarting = pos > after + 3 && src.charAt(pos - 1) == '\n';
                    } else if (src.startsWith("+%}", after)) {
                        pos = after + 3;
                    } else if (src.startsWith("%}", after)) {
                        pos = after + 2;
                        if (pos < src.length() && src.charAt(pos) == '\n') {
                            pos++;
                            lineStarting = true;
                        }
                    } else {
                        throw new IllegalArgumentException("malformed endraw tag in chat template");
                    }
                    return;
                }
                end += 2;
            }
        }

        private boolean isRawStart(int inner) {
            int i = skipWhitespace(inner);
            if (!src.startsWith("raw", i)) return false;
            int j = skipWhitespace(i + 3);
            return src.startsWith("%}", j) || src.startsWith("-%}", j);
        }

        private int nextTagStart(int from) {
            for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
                char c = src.charAt(i + 1);
                if (c == '{' || c == '%' || c == '#') return i;
            }
            return -1;
        }

        private Kind kindAt(int start) {
            return switch (src.charAt(start + 1)) {
                case '{' -> Kind.VARIABLE;
                case '%' -> Kind.BLOCK;
                default -> Kind.COMMENT;
            };
        }

        /** Skips a Python string literal (with backslash escapes) that starts at {@code i}. */
        private int skipString(int i) {
            char quote = src.charAt(i);
            for (int j = i + 1; j < src.length(); j++) {
                char c = src.charAt(j);
                if (c == '\\') j++;
                else if (c == quote) return j + 1;
            }
            throw new IllegalArgumentException("unterminated string in chat template at offset " + i);
        }

        private int skipWhitespace(int i) {
            while (i < src.length() && isPyWhitespace(src.charAt(i))) i++;
            return i;
        }
    }

    private static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isPyWhitespace(s.charAt(end - 1))) end--;
        return s.substring(0, end);
    }

    private static boolean isAllWhitespace(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (!isPyWhitespace(s.charAt(i))) return false;
        }
        return true;
    }

    /** Python's {@code str.isspace} (what {@code \s} and {@code str.rstrip()} use). */
    static boolean isPyWhitespace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }
}

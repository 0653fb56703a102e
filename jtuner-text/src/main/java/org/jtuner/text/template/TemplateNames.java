package org.jtuner.text.template;

import com.hubspot.jinjava.interpret.Context;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The filters ({@code x | name}) and tests ({@code x is [not] name}) a template uses that the environment
 * does not have. Jinja refuses such a template when compiling it; Jinjava would render the expression as
 * nothing and carry on, which silently changes the prompt.
 */
final class TemplateNames {
    private TemplateNames() {}

    private static final Pattern FILTER = Pattern.compile("\\|\\s*([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern TEST = Pattern.compile("\\bis\\s+(?:not\\s+)?([A-Za-z_][A-Za-z0-9_]*)");

    /** "filter 'x'" / "test 'y'" for each unknown name in the tags of a normalised source (see {@link JinjaWhitespace}). */
    static Set<String> unknown(String normalizedSource, Context environment) {
        Set<String> unknown = new LinkedHashSet<>();
        for (String expression : expressions(normalizedSource)) {
            Matcher f = FILTER.matcher(expression);
            while (f.find()) {
                if (environment.getFilter(f.group(1)) == null) unknown.add("filter '" + f.group(1) + "'");
            }
            Matcher t = TEST.matcher(expression);
            while (t.find()) {
                if (environment.getExpTest(t.group(1)) == null) unknown.add("test '" + t.group(1) + "'");
            }
        }
        return unknown;
    }

    /** The bodies of all {@code {{ }}} and {@code {% %}} tags, with string literals blanked out. */
    private static Iterable<String> expressions(String source) {
        Set<String> bodies = new LinkedHashSet<>();
        int i = 0;
        while (true) {
            int open = nextOpening(source, i);
            if (open < 0) return bodies;
            String close = source.charAt(open + 1) == '{' ? "}}" : "%}";
            StringBuilder body = new StringBuilder();
            int j = open + 2;
            char quote = 0;
            for (; j < source.length(); j++) {
                char c = source.charAt(j);
                if (quote != 0) {
                    if (c == '\\') j++;
                    else if (c == quote) quote = 0;
                    body.append(' ');
                } else if (c == '\'' || c == '"') {
                    quote = c;
                    body.append(' ');
                } else if (source.startsWith(close, j)) {
                    break;
                } else {
                    body.append(c);
                }
            }
            if (body.toString().strip().startsWith("raw")) {
                int end = source.indexOf("{% endraw %}", j);
                j = end < 0 ? source.length() : end + "{% endraw %}".length() - 2;
            } else {
                bodies.add(body.toString());
            }
            i = j + 2;
        }
    }

    private static int nextOpening(String s, int from) {
        int a = s.indexOf("{{", from);
        int b = s.indexOf("{%", from);
        if (a < 0) return b;
        if (b < 0) return a;
        return Math.min(a, b);
    }
}

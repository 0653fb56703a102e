package org.jtuner.text.tokenizer.util;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Compiles a regex written for Oniguruma (Ruby syntax, what the reference uses) with java.util.regex. The two
 * agree on almost everything tokenizers use; this class closes the known gaps:
 * <ul>
 *   <li>classes are Unicode-aware ({@code \s} is White_Space, {@code \d} any decimal digit, {@code (?i)} folds
 *       U+017F to 's' and U+212A to 'k'): {@link Pattern#UNICODE_CHARACTER_CLASS};</li>
 *   <li>{@code ^} and {@code $} always match at line breaks, and only {@code \n} is one:
 *       {@link Pattern#MULTILINE} and {@link Pattern#UNIX_LINES};</li>
 *   <li>the option {@code (?m)} means "dot matches newline", which Java spells {@code (?s)};</li>
 *   <li>{@code \h}/{@code \H} are hex digits (horizontal space in Java); {@code \p{^L}} negates;
 *       POSIX brackets {@code [:alpha:]} and {@code [:^alpha:]} inside a class.</li>
 * </ul>
 */
public final class OnigRegex {
    /** POSIX bracket names and the Java class for each (Unicode-aware under UNICODE_CHARACTER_CLASS). */
    private static final Map<String, String> POSIX = Map.ofEntries(
            Map.entry("alpha", "\\p{Alpha}"), Map.entry("digit", "\\p{Digit}"), Map.entry("alnum", "\\p{Alnum}"),
            Map.entry("upper", "\\p{Upper}"), Map.entry("lower", "\\p{Lower}"), Map.entry("space", "\\p{Space}"),
            Map.entry("punct", "\\p{Punct}"), Map.entry("xdigit", "\\p{XDigit}"), Map.entry("cntrl", "\\p{Cntrl}"),
            Map.entry("print", "\\p{Print}"), Map.entry("graph", "\\p{Graph}"), Map.entry("blank", "\\p{Blank}"),
            Map.entry("word", "\\w"), Map.entry("ascii", "\\p{ASCII}"));

    private OnigRegex() {}

    public static Pattern compile(String onigRegex) {
        return Pattern.compile(toJava(onigRegex), Pattern.UNICODE_CHARACTER_CLASS | Pattern.MULTILINE | Pattern.UNIX_LINES);
    }

    /** The same regex in java.util.regex syntax. */
    static String toJava(String re) {
        StringBuilder out = new StringBuilder(re.length() + 16);
        int classDepth = 0;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < re.length()) {
                char e = re.charAt(i + 1);
                if (e == 'h' || e == 'H') {
                    out.append(e == 'h' ? "[0-9a-fA-F]" : "[^0-9a-fA-F]");
                    i++;
                } else if ((e == 'p' || e == 'P') && re.startsWith("{", i + 2) && re.indexOf('}', i + 3) > 0) {
                    int close = re.indexOf('}', i + 3);
                    String name = re.substring(i + 3, close);
                    boolean negated = e == 'P';
                    if (name.startsWith("^")) { // Oniguruma's negation
                        negated = !negated;
                        name = name.substring(1);
                    }
                    out.append(negated ? "\\P{" : "\\p{").append(javaProperty(name)).append('}');
                    i = close;
                } else {
                    out.append(c).append(e);
                    i++;
                }
            } else if (c == '[') {
                if (classDepth > 0 && re.startsWith("[:", i)) {
                    int end = re.indexOf(":]", i + 2);
                    if (end > 0) {
                        String name = re.substring(i + 2, end);
                        boolean negated = name.startsWith("^");
                        String java = POSIX.get(negated ? name.substring(1) : name);
                        if (java != null) {
                            out.append(negated ? java.replace("\\p", "\\P").replace("\\w", "\\W") : java);
                            i = end + 1;
                            continue;
                        }
                    }
                }
                classDepth++;
                out.append('[');
                if (i + 1 < re.length() && re.charAt(i + 1) == '^') out.append(re.charAt(++i));
                // A "]" right after "[" or "[^" is a literal in Oniguruma; escaped, it is one in Java too.
                if (i + 1 < re.length() && re.charAt(i + 1) == ']') {
                    out.append("\\]");
                    i++;
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
            } else if (c == '(' && classDepth == 0 && isOptionGroup(re, i)) {
                int j = i + 2;
                out.append("(?");
                for (; re.charAt(j) != ')' && re.charAt(j) != ':'; j++) out.append(re.charAt(j) == 'm' ? 's' : re.charAt(j));
                i = j - 1; // the ")" or ":" is copied next
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Oniguruma names scripts bare ({@code \p{Han}}); Java wants {@code \p{IsHan}} for them. */
    private static String javaProperty(String name) {
        if (compiles("\\p{" + name + "}") || !compiles("\\p{Is" + name + "}")) return name;
        return "Is" + name;
    }

    private static boolean compiles(String regex) {
        try {
            Pattern.compile(regex);
            return true;
        } catch (java.util.regex.PatternSyntaxException e) {
            return false;
        }
    }

    /** Whether {@code at} starts an option group such as {@code (?i)} or {@code (?mi-x:}. */
    private static boolean isOptionGroup(String re, int at) {
        if (!re.startsWith("(?", at)) return false;
        int from = at + 2, j = from;
        while (j < re.length() && "imx-".indexOf(re.charAt(j)) >= 0) j++;
        return j > from && j < re.length() && (re.charAt(j) == ')' || re.charAt(j) == ':');
    }
}

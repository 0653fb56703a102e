package org.jtuner.text.template;

import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.objects.collections.PyList;
import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods ({@code .strip()}, {@code .startswith()}, {@code .split()}, ...), string
 * indexing ({@code text[0]}, {@code text[-1]}), {@code dict.get(key, default)} and {@code loop.cycle(...)}
 * for Jinja templates: Jinjava resolves method calls on Java objects, and a
 * Java {@code String} has none of these. Placed in front of Jinjava's own resolver, it answers only the
 * calls it knows and leaves everything else to Jinjava. Strings are indexed by code point, as in Python.
 */
final class PythonMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method == null) return null;
        Object[] args = params == null ? new Object[0] : params;
        String name = method.toString();
        if (base instanceof String s && STRING_METHODS.contains(name)) {
            context.setPropertyResolved(true);
            return string(s, name, args);
        }
        if (base instanceof JinjaLoop loop && name.equals("cycle")) {
            context.setPropertyResolved(true);
            return loop.cycle(args);
        }
        if (base instanceof Map<?, ?> map && name.equals("get") && args.length == 2) {
            context.setPropertyResolved(true);
            return map.containsKey(args[0]) ? map.get(args[0]) : args[1];
        }
        return null;
    }

    private static final List<String> STRING_METHODS = List.of(
            "startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
            "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "count", "join",
            "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "removeprefix", "removesuffix",
            "format");

    private static Object string(String s, String name, Object[] a) {
        return switch (name) {
            case "startswith" -> affix(s, a, true);
            case "endswith" -> affix(s, a, false);
            case "strip" -> strip(s, arg(a, 0), true, true);
            case "lstrip" -> strip(s, arg(a, 0), true, false);
            case "rstrip" -> strip(s, arg(a, 0), false, true);
            case "split" -> split(s, arg(a, 0), maxSplit(a));
            case "rsplit" -> rsplit(s, arg(a, 0), maxSplit(a));
            case "splitlines" -> new PyList(new ArrayList<>(splitlines(s)));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(Locale.ROOT)
                            + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
            case "replace" -> replace(s, str(a, 0), str(a, 1), a.length > 2 ? ((Number) a[2]).intValue() : -1);
            case "find" -> codePointIndex(s, s.indexOf(str(a, 0)));
            case "rfind" -> codePointIndex(s, s.lastIndexOf(str(a, 0)));
            case "count" -> count(s, str(a, 0));
            case "join" -> join(s, a[0]);
            case "isdigit" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> !s.isEmpty() && s.codePoints().allMatch(JinjaWhitespace::isPyWhitespace);
            case "isupper" -> s.codePoints().anyMatch(Character::isUpperCase)
                    && s.codePoints().noneMatch(Character::isLowerCase);
            case "islower" -> s.codePoints().anyMatch(Character::isLowerCase)
                    && s.codePoints().noneMatch(Character::isUpperCase);
            case "removeprefix" -> s.startsWith(str(a, 0)) ? s.substring(str(a, 0).length()) : s;
            case "removesuffix" -> !str(a, 0).isEmpty() && s.endsWith(str(a, 0))
                    ? s.substring(0, s.length() - str(a, 0).length()) : s;
            case "format" -> format(s, a);
            default -> throw new IllegalStateException(name);
        };
    }

    /** {@code str.format(...)}: keyword arguments arrive as Jinjava's NamedParameter objects. */
    private static String format(String s, Object[] a) {
        List<Object> positional = new ArrayList<>();
        Map<String, Object> named = new java.util.HashMap<>();
        for (Object o : a) {
            if (o instanceof NamedParameter p) named.put(p.getName(), p.getValue());
            else positional.add(o);
        }
        return PythonFormat.format(s, positional, named);
    }

    private static Object arg(Object[] a, int i) {
        return a.length > i ? a[i] : null;
    }

    private static String str(Object[] a, int i) {
        if (a.length <= i || !(a[i] instanceof String s)) {
            throw new ELException("expected a string as argument " + (i + 1));
        }
        return s;
    }

    private static int maxSplit(Object[] a) {
        return a.length > 1 && a[1] != null ? ((Number) a[1]).intValue() : -1;
    }

    /** startswith/endswith: a prefix or a tuple (list) of them. */
    private static boolean affix(String s, Object[] a, boolean start) {
        Object what = arg(a, 0);
        if (what instanceof Collection<?> options) {
            for (Object o : options) {
                if (start ? s.startsWith(o.toString()) : s.endsWith(o.toString())) return true;
            }
            return false;
        }
        if (!(what instanceof String text)) throw new ELException("startswith/endswith needs a string");
        return start ? s.startsWith(text) : s.endsWith(text);
    }

    /** strip(chars=None): None strips Python whitespace, a string strips any of its characters. */
    static String strip(String s, Object chars, boolean left, boolean right) {
        int[] cps = s.codePoints().toArray();
        String set = chars == null ? null : chars.toString();
        int from = 0;
        int to = cps.length;
        if (left) while (from < to && stripped(cps[from], set)) from++;
        if (right) while (to > from && stripped(cps[to - 1], set)) to--;
        return new String(cps, from, to - from);
    }

    private static boolean stripped(int cp, String set) {
        return set == null ? JinjaWhitespace.isPyWhitespace(cp) : set.indexOf(cp) >= 0;
    }

    /** {@code str.splitlines()}: Python's line boundaries, line ends dropped, no trailing empty line. */
    static List<String> splitlines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                lines.add(s.substring(start, i));
                i += 2;
                start = i;
            } else if ("\n\r\u000b\f\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0) {
                lines.add(s.substring(start, i));
                start = ++i;
            } else {
                i++;
            }
        }
        if (start < s.length()) lines.add(s.substring(start));
        return lines;
    }

    private static PyList split(String s, Object sep, int max) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            // Runs of whitespace separate; leading and trailing whitespace yields no empty strings.
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && JinjaWhitespace.isPyWhitespace(s.charAt(i))) i++;
                if (i >= n) break;
                if (max >= 0 && out.size() == max) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !JinjaWhitespace.isPyWhitespace(s.charAt(j))) j++;
                out.add(s.substring(i, j));
                i = j;
            }
            return new PyList(out);
        }
        String d = sep.toString();
        if (d.isEmpty()) throw new ELException("empty separator");
        int i = 0;
        while (max < 0 || out.size() < max) {
            int j = s.indexOf(d, i);
            if (j < 0) break;
            out.add(s.substring(i, j));
            i = j + d.length();
        }
        out.add(s.substring(i));
        return new PyList(out);
    }

    private static PyList rsplit(String s, Object sep, int max) {
        if (max < 0) return split(s, sep, max);
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && JinjaWhitespace.isPyWhitespace(s.charAt(j - 1))) j--;
                if (j <= 0) break;
                if (out.size() == max) {
                    out.add(0, s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !JinjaWhitespace.isPyWhitespace(s.charAt(i - 1))) i--;
                out.add(0, s.substring(i, j));
                j = i;
            }
            return new PyList(out);
        }
        String d = sep.toString();
        if (d.isEmpty()) throw new ELException("empty separator");
        int end = s.length();
        while (out.size() < max) {
            int j = s.lastIndexOf(d, end - d.length());
            if (j < 0) break;
            out.add(0, s.substring(j + d.length(), end));
            end = j;
        }
        out.add(0, s.substring(0, end));
        return new PyList(out);
    }

    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            boolean cased = Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
            out.appendCodePoint(previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            previousCased = cased;
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) return s.replace(old, replacement);
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (int done = 0; done < count; done++) {
            int j = s.indexOf(old, i);
            if (j < 0) break;
            out.append(s, i, j).append(replacement);
            i = j + old.length();
            if (old.isEmpty()) {
                if (i >= s.length()) break;
                out.appendCodePoint(s.codePointAt(i));
                i += Character.charCount(s.codePointAt(i));
            }
        }
        return out.append(s.substring(i)).toString();
    }

    private static int codePointIndex(String s, int charIndex) {
        return charIndex < 0 ? -1 : s.codePointCount(0, charIndex);
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1;
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) n++;
        return n;
    }

    private static String join(String sep, Object items) {
        if (!(items instanceof Iterable<?> iterable)) throw new ELException("join needs a sequence of strings");
        StringBuilder out = new StringBuilder();
        Iterator<?> it = iterable.iterator();
        while (it.hasNext()) {
            Object item = it.next();
            if (!(item instanceof String text)) throw new ELException("join needs strings, got " + item);
            out.append(text);
            if (it.hasNext()) out.append(sep);
        }
        return out.toString();
    }

    /** {@code text[i]}: the i-th character (code point), negative indices from the end. */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (!(base instanceof String s) || property == null) return null;
        int index;
        try {
            index = property instanceof Number n ? n.intValue() : Integer.parseInt(property.toString());
        } catch (NumberFormatException e) {
            return null;
        }
        context.setPropertyResolved(true);
        int length = s.codePointCount(0, s.length());
        int i = index < 0 ? index + length : index;
        if (i < 0 || i >= length) throw new ELException("string index out of range: " + index);
        return Character.toString(s.codePointAt(s.offsetByCodePoints(0, i)));
    }

    // The rest of ELResolver: this resolver adds no properties.

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}

package org.jtuner.models;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a module's parameter names become checkpoint keys, as data: one or more layouts, each an ordered list of
 * regex renames applied one after the other (as transformers' key conversion applies {@code re.sub} in turn).
 * Loading tries the key of every layout, in order; saving writes the first layout's key.
 *
 * <pre>{@code
 * KeyMap.identity()                                   // names are the keys
 * KeyMap.prefix("model.")                             // "norm.weight" -> "model.norm.weight"
 * KeyMap.of(Rule.regex("^model\\.language_model\\.", "language_model.model."))
 *       .orElse(KeyMap.identity())                     // a second layout, tried when the first key is absent
 * }</pre>
 */
public final class KeyMap {
    /** One rename: every match of {@code pattern} becomes {@code replacement} ({@code $1} refers to groups). */
    public record Rule(Pattern pattern, String replacement) {
        public static Rule regex(String regex, String replacement) {
            return new Rule(Pattern.compile(regex), replacement);
        }

        /** A leading {@code from} becomes {@code to} (an empty {@code from} adds a prefix). */
        public static Rule prefix(String from, String to) {
            return new Rule(Pattern.compile("^" + Pattern.quote(from)), Matcher.quoteReplacement(to));
        }

        /** {@code .from.} anywhere in a dotted name becomes {@code .to.} (also at the start or the end). */
        public static Rule segment(String from, String to) {
            return new Rule(Pattern.compile("(^|\\.)" + Pattern.quote(from) + "(?=\\.|$)"),
                    "$1" + Matcher.quoteReplacement(to));
        }

        public String apply(String name) {
            return pattern.matcher(name).replaceAll(replacement);
        }

        @Override
        public String toString() {
            return pattern.pattern() + " -> " + replacement;
        }
    }

    private final List<List<Rule>> layouts;

    private KeyMap(List<List<Rule>> layouts) {
        this.layouts = layouts.stream().map(List::copyOf).toList();
    }

    /** Parameter names are the checkpoint keys. */
    public static KeyMap identity() {
        return new KeyMap(List.of(List.of()));
    }

    /** Checkpoint key = {@code prefix} + parameter name. */
    public static KeyMap prefix(String prefix) {
        return of(Rule.prefix("", prefix));
    }

    /** One layout: the rules, applied in order. */
    public static KeyMap of(Rule... rules) {
        return new KeyMap(List.of(List.of(rules)));
    }

    public static KeyMap of(List<Rule> rules) {
        return new KeyMap(List.of(rules));
    }

    /** This map's layouts, then {@code alternative}'s, tried in that order when loading. */
    public KeyMap orElse(KeyMap alternative) {
        List<List<Rule>> all = new ArrayList<>(layouts);
        all.addAll(alternative.layouts);
        return new KeyMap(all);
    }

    /** Every layout of this map with {@code rules} applied after its own (e.g. a prefix for a sub-module). */
    public KeyMap andThen(Rule... rules) {
        List<List<Rule>> all = new ArrayList<>();
        for (List<Rule> layout : layouts) {
            List<Rule> extended = new ArrayList<>(layout);
            extended.addAll(List.of(rules));
            all.add(extended);
        }
        return new KeyMap(all);
    }

    /** The checkpoint keys to try for a parameter, in order, without repeats. */
    public List<String> candidates(String parameterName) {
        LinkedHashSet<String> keys = new LinkedHashSet<>();
        for (List<Rule> layout : layouts) keys.add(apply(layout, parameterName));
        return List.copyOf(keys);
    }

    /** The key a parameter is saved under: the first layout's. */
    public String checkpointKey(String parameterName) {
        return apply(layouts.getFirst(), parameterName);
    }

    private static String apply(List<Rule> layout, String name) {
        String key = name;
        for (Rule r : layout) key = r.apply(key);
        return key;
    }

    @Override
    public String toString() {
        return "KeyMap" + layouts;
    }
}

package org.jtuner.text.cot;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LLaVA-CoT's answer structure: {@code <SUMMARY>…</SUMMARY><CAPTION>…</CAPTION><REASONING>…</REASONING>
 * <CONCLUSION>…</CONCLUSION>}, all four in this order, each closed, none empty, nothing but whitespace outside.
 * {@link #parse} says whether an answer has it and, if not, the first thing wrong.
 */
public final class CotStages {
    public enum Stage {
        SUMMARY, CAPTION, REASONING, CONCLUSION;

        public String open() {
            return "<" + name() + ">";
        }

        public String close() {
            return "</" + name() + ">";
        }
    }

    /** What is wrong with an answer's structure. */
    public enum Defect {
        MISSING("missing stage"), OUT_OF_ORDER("stages out of order"), UNCLOSED("unclosed stage"),
        EMPTY("empty stage"), TEXT_OUTSIDE("text outside the stages");

        private final String description;

        Defect(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** A well-formed answer's stage contents (stripped), or the first defect with a message naming the stage. */
    public record Parsed(Map<Stage, String> contents, Defect defect, String message) {
        public boolean valid() {
            return defect == null;
        }

        /** The text inside {@code <CONCLUSION>} (stripped), or null. */
        public String conclusion() {
            return contents.get(Stage.CONCLUSION);
        }
    }

    /** A tag found in the text: which stage, opening or closing, and where. */
    public record Tag(Stage stage, boolean closing, int start, int end) {}

    private static final Pattern TAG = Pattern.compile("<(/?)(SUMMARY|CAPTION|REASONING|CONCLUSION)>");

    private CotStages() {}

    /** Every stage tag in the text, in order of appearance. */
    public static List<Tag> tags(String text) {
        List<Tag> out = new ArrayList<>();
        Matcher m = TAG.matcher(text);
        while (m.find()) out.add(new Tag(Stage.valueOf(m.group(2)), !m.group(1).isEmpty(), m.start(), m.end()));
        return out;
    }

    public static Parsed parse(String answer) {
        List<Tag> tags = tags(answer);
        Stage[] stages = Stage.values();
        for (Stage s : stages) {
            long opens = tags.stream().filter(t -> t.stage() == s && !t.closing()).count();
            long closes = tags.stream().filter(t -> t.stage() == s && t.closing()).count();
            if (opens == 0 && closes == 0) return defect(Defect.MISSING, "no " + s.open() + " stage");
            if (opens == 0) return defect(Defect.MISSING, s.close() + " without " + s.open());
            if (opens > 1 || closes > 1) return defect(Defect.OUT_OF_ORDER, s.open() + " appears more than once");
            if (closes == 0) return defect(Defect.UNCLOSED, s.open() + " is never closed with " + s.close());
        }
        // exactly one open and one close per stage: they must come as open, close, open, close ... in stage order
        for (int i = 0; i < tags.size(); i++) {
            Tag t = tags.get(i);
            Stage want = stages[i / 2];
            boolean wantClosing = i % 2 == 1;
            if (t.stage() != want || t.closing() != wantClosing) {
                String got = t.closing() ? t.stage().close() : t.stage().open();
                String expected = wantClosing ? want.close() : want.open();
                if (t.stage() == want && t.closing()) {
                    return defect(Defect.UNCLOSED, want.open() + " is closed before it opens");
                }
                return defect(Defect.OUT_OF_ORDER, got + " where " + expected + " should come (order: SUMMARY, CAPTION, REASONING, CONCLUSION)");
            }
        }
        Map<Stage, String> contents = new EnumMap<>(Stage.class);
        int previousEnd = 0;
        for (int k = 0; k < stages.length; k++) {
            Tag open = tags.get(2 * k), close = tags.get(2 * k + 1);
            String before = answer.substring(previousEnd, open.start());
            if (!before.isBlank()) {
                return defect(Defect.TEXT_OUTSIDE, "text before " + stages[k].open() + ": \"" + abbreviate(before.strip()) + "\"");
            }
            String inside = answer.substring(open.end(), close.start()).strip();
            if (inside.isEmpty()) return defect(Defect.EMPTY, stages[k].open() + " is empty");
            contents.put(stages[k], inside);
            previousEnd = close.end();
        }
        String after = answer.substring(previousEnd);
        if (!after.isBlank()) return defect(Defect.TEXT_OUTSIDE, "text after </CONCLUSION>: \"" + abbreviate(after.strip()) + "\"");
        return new Parsed(Map.copyOf(contents), null, null);
    }

    /** The conclusion's text even when other stages are malformed (evaluation reads the answer from it), else null. */
    public static String conclusionOf(String answer) {
        int open = answer.indexOf(Stage.CONCLUSION.open());
        if (open < 0) return null;
        int from = open + Stage.CONCLUSION.open().length();
        int close = answer.indexOf(Stage.CONCLUSION.close(), from);
        return (close < 0 ? answer.substring(from) : answer.substring(from, close)).strip();
    }

    private static Parsed defect(Defect d, String message) {
        return new Parsed(Map.of(), d, message);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}

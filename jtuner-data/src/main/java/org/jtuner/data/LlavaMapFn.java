package org.jtuner.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.jtuner.data.config.Suggestions;
import org.jtuner.text.template.Turn;

/**
 * XTuner's {@code llava_map_fn}: LLaVA {@code conversations} to rounds ({@link Turn}: input, output). Leading {@code gpt} turns
 * are skipped; consecutive human turns are joined; each {@code gpt} turn closes a round; human turns after the
 * last answer are left out. A human turn with one {@code <image>} is rewritten as {@code "<image>\n" + rest}, the
 * rest stripped, wherever the placeholder was. A human turn with several placeholders (a multi-image row; XTuner
 * cannot read these) keeps them where they are, so that interleaved images stay in their places.
 */
public final class LlavaMapFn {
    public static final String IMAGE_PLACEHOLDER = "<image>";
    public static final String HUMAN = "human";
    public static final String GPT = "gpt";

    /** The rounds of a sample, or the problem that makes it bad. */
    public record Mapped(List<Turn> turns, Problem problem) {
        public boolean ok() {
            return problem == null;
        }
    }

    private LlavaMapFn() {}

    public static Mapped map(RawSample sample) {
        List<RawSample.Message> turns = sample.conversations();
        for (int i = 0; i < turns.size(); i++) {
            String from = turns.get(i).from();
            if (!from.equals(HUMAN) && !from.equals(GPT)) {
                String near = Suggestions.nearest(from, Set.of(HUMAN, GPT));
                return bad(ProblemKind.UNKNOWN_FROM, sample, "turn " + i + " is from '" + from + "'; expected 'human' or 'gpt'"
                        + (near != null ? " (did you mean '" + near + "'?)" : ""));
            }
        }
        int start = 0;
        while (start < turns.size() && turns.get(start).from().equals(GPT)) start++;
        int placeholders = 0;
        for (int i = start; i < turns.size(); i++) {
            RawSample.Message t = turns.get(i);
            int n = count(t.value());
            if (n > 0 && t.from().equals(GPT)) {
                return bad(ProblemKind.IMAGE_COUNT_MISMATCH, sample, "turn " + i + " (an answer) holds " + IMAGE_PLACEHOLDER
                        + "; images belong in human turns");
            }
            placeholders += n;
        }
        if (placeholders != sample.images().size()) {
            return bad(ProblemKind.IMAGE_COUNT_MISMATCH, sample, placeholders + " " + IMAGE_PLACEHOLDER + " placeholder"
                    + (placeholders == 1 ? "" : "s") + " in the human turns but " + sample.images().size() + " image"
                    + (sample.images().size() == 1 ? "" : "s"));
        }
        List<Turn> rounds = new ArrayList<>();
        StringBuilder input = new StringBuilder();
        for (int i = start; i < turns.size(); i++) {
            RawSample.Message t = turns.get(i);
            if (t.from().equals(HUMAN)) {
                String v = t.value();
                if (count(v) == 1) v = pythonStrip(IMAGE_PLACEHOLDER + "\n" + pythonStrip(v.replace(IMAGE_PLACEHOLDER, "")));
                input.append(v);
            } else {
                rounds.add(Turn.of(input.toString(), t.value()));
                input.setLength(0);
            }
        }
        return new Mapped(List.copyOf(rounds), null);
    }

    private static Mapped bad(ProblemKind kind, RawSample sample, String message) {
        return new Mapped(List.of(), new Problem(kind, sample.source(), message));
    }

    /** Occurrences of {@code <image>} in {@code s}. */
    public static int count(String s) {
        int n = 0;
        for (int i = s.indexOf(IMAGE_PLACEHOLDER); i >= 0; i = s.indexOf(IMAGE_PLACEHOLDER, i + IMAGE_PLACEHOLDER.length())) n++;
        return n;
    }

    /** Python's {@code str.strip()}: removes leading and trailing characters for which {@code str.isspace()} holds. */
    public static String pythonStrip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isPythonSpace(s.charAt(b))) b++;
        while (e > b && isPythonSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    /** Python's {@code isspace} for one BMP character: Unicode whitespace, bidi classes WS/B/S, and U+001C..U+001F. */
    static boolean isPythonSpace(char c) {
        if (c >= 0x09 && c <= 0x0D || c >= 0x1C && c <= 0x20) return true;
        if (c < 0x85) return false;
        return c == 0x85 || c == 0xA0 || c == 0x1680 || c >= 0x2000 && c <= 0x200A || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }
}

package org.jtuner.text.tokenizer.pretokenizer;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.text.tokenizer.util.JsonSpec;
import org.jtuner.text.tokenizer.util.SplitPattern.Span;

/** What a split does with the matched delimiters (the reference's {@code SplitDelimiterBehavior}). */
public enum SplitBehavior {
    REMOVED("Removed"), ISOLATED("Isolated"), MERGED_WITH_PREVIOUS("MergedWithPrevious"),
    MERGED_WITH_NEXT("MergedWithNext"), CONTIGUOUS("Contiguous");

    private final String jsonName;

    SplitBehavior(String jsonName) {
        this.jsonName = jsonName;
    }

    public static SplitBehavior fromJson(JsonSpec spec, String key) {
        String name = spec.string(key);
        for (SplitBehavior b : values()) if (b.jsonName.equals(name)) return b;
        throw spec.error("unknown split behavior '" + name + "' (supported: Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
    }

    /** The [start, end) ranges to keep, in order, from spans that cover the text. */
    public List<int[]> apply(List<Span> spans) {
        List<int[]> out = new ArrayList<>(spans.size());
        switch (this) {
            case ISOLATED -> spans.forEach(s -> out.add(new int[] {s.start(), s.end()}));
            case REMOVED -> spans.forEach(s -> { if (!s.match()) out.add(new int[] {s.start(), s.end()}); });
            case CONTIGUOUS -> {
                boolean previous = false;
                for (Span s : spans) {
                    if (s.match() == previous && !out.isEmpty()) out.getLast()[1] = s.end();
                    else out.add(new int[] {s.start(), s.end()});
                    previous = s.match();
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean previous = false;
                for (Span s : spans) {
                    if (s.match() && !previous && !out.isEmpty()) out.getLast()[1] = s.end();
                    else out.add(new int[] {s.start(), s.end()});
                    previous = s.match();
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previous = false;
                for (int i = spans.size() - 1; i >= 0; i--) {
                    Span s = spans.get(i);
                    if (s.match() && !previous && !out.isEmpty()) out.getLast()[0] = s.start();
                    else out.add(new int[] {s.start(), s.end()});
                    previous = s.match();
                }
                java.util.Collections.reverse(out);
            }
        }
        return out;
    }
}

package org.jtuner.text.tokenizer.pretokenizer;

import java.util.List;
import java.util.regex.Matcher;

import org.jtuner.text.tokenizer.util.SplitPattern;
import org.jtuner.text.tokenizer.util.SplitPattern.Span;

/**
 * Splits on a literal or regex (Llama 3's and Qwen's word pattern). {@code invert} makes the pattern describe the
 * pieces instead of the delimiters.
 */
public record SplitPreTokenizer(SplitPattern pattern, SplitBehavior behavior, boolean invert) implements PreTokenizer {
    @Override
    public void preTokenize(String piece, boolean atStart, PieceSink out) {
        if (behavior == SplitBehavior.ISOLATED && !pattern.matchesNothing()) {
            isolated(piece, atStart, out); // the common case, streamed without building spans
            return;
        }
        List<Span> spans = pattern.spans(piece);
        if (invert) spans = spans.stream().map(s -> new Span(s.start(), s.end(), !s.match())).toList();
        for (int[] range : behavior.apply(spans)) {
            if (range[1] > range[0]) out.accept(piece.substring(range[0], range[1]), atStart && range[0] == 0);
        }
    }

    /** Isolated keeps matches and gaps alike, so inverting changes nothing. */
    private void isolated(String piece, boolean atStart, PieceSink out) {
        Matcher m = pattern.matcher(piece);
        int prev = 0;
        while (m.find()) {
            int start = m.start(), end = m.end();
            if (prev < start) out.accept(piece.substring(prev, start), atStart && prev == 0);
            if (start < end) out.accept(piece.substring(start, end), atStart && start == 0);
            prev = end;
        }
        if (prev < piece.length()) out.accept(piece.substring(prev), atStart && prev == 0);
    }
}

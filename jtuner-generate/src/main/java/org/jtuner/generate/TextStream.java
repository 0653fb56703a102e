package org.jtuner.generate;

import java.util.Arrays;
import java.util.List;

import org.jtuner.text.tokenizer.Tokenizer;

/**
 * The text of one row as its tokens arrive. Each step decodes all the row's tokens (a tokenizer's decoders are not
 * token-local: byte fallback joins bytes of several tokens, Metaspace strips the first space) and releases only
 * the part that can no longer change: text ending in U+FFFD (an incomplete UTF-8 sequence so far) is held back, and
 * so is a tail that could still become a stop string. When a stop string appears, the text ends before it.
 */
public final class TextStream {
    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private final List<String> stopStrings;
    private int[] ids = new int[16];
    private int count;
    private String text = "";
    private int released;
    private boolean stopped;

    public TextStream(Tokenizer tokenizer, List<String> stopStrings) {
        this.tokenizer = tokenizer;
        this.stopStrings = List.copyOf(stopStrings);
    }

    /** Adds a token; returns the newly released text ("" when none). After a stop string, see {@link #stopped}. */
    public String add(int id) {
        if (stopped) throw new IllegalStateException("the text already reached a stop string");
        if (count == ids.length) ids = Arrays.copyOf(ids, count * 2);
        ids[count++] = id;
        text = tokenizer.decode(Arrays.copyOf(ids, count), true);
        int stopAt = firstStop(text);
        if (stopAt >= 0) {
            stopped = true;
            text = text.substring(0, stopAt);
            return release(stopAt);
        }
        int safe = text.length();
        while (safe > 0 && text.charAt(safe - 1) == REPLACEMENT) safe--;
        return release(safe - stopPrefixHeld(text.substring(0, safe)));
    }

    /** Releases what was held back (the row ended by an end token or its length). */
    public String finish() {
        return stopped ? "" : release(text.length());
    }

    public boolean stopped() {
        return stopped;
    }

    /** The text so far (without a stop string and what followed it). */
    public String text() {
        return text;
    }

    private String release(int upTo) {
        if (upTo <= released) return "";
        String out = text.substring(released, upTo);
        released = upTo;
        return out;
    }

    private int firstStop(String s) {
        int best = -1;
        for (String stop : stopStrings) {
            int at = s.indexOf(stop, Math.max(0, released - stop.length()));
            if (at >= 0 && (best < 0 || at < best)) best = at;
        }
        return best;
    }

    /** The length of the longest tail of {@code s} that is a proper prefix of a stop string. */
    private int stopPrefixHeld(String s) {
        int held = 0;
        for (String stop : stopStrings) {
            for (int k = Math.min(stop.length() - 1, s.length()); k > held; k--) {
                if (s.regionMatches(s.length() - k, stop, 0, k)) {
                    held = k;
                    break;
                }
            }
        }
        return held;
    }
}

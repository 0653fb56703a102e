package org.jtuner.text.tokenizer.pretokenizer;

import java.util.List;

import org.jtuner.text.tokenizer.util.JsonSpec;
import org.jtuner.text.tokenizer.util.SplitPattern;

/**
 * SentencePiece's view of spaces: each space becomes the replacement character ("▁"), one is put in front (always,
 * only at the start of the input, or never), and with {@code split} the text is cut before each "▁".
 */
public record MetaspacePreTokenizer(int replacement, PrependScheme prependScheme, boolean split) implements PreTokenizer {
    public enum PrependScheme { ALWAYS, FIRST, NEVER }

    public static MetaspacePreTokenizer fromJson(JsonSpec spec) {
        String replacement = spec.string("replacement");
        if (replacement.codePointCount(0, replacement.length()) != 1) throw spec.error("'replacement' must be one character");
        PrependScheme scheme = PrependScheme.ALWAYS;
        if (spec.has("prepend_scheme")) {
            scheme = switch (spec.string("prepend_scheme")) {
                case "always" -> PrependScheme.ALWAYS;
                case "first" -> PrependScheme.FIRST;
                case "never" -> PrependScheme.NEVER;
                default -> throw spec.error("unknown prepend_scheme '" + spec.string("prepend_scheme") + "' (supported: always, first, never)");
            };
        }
        // Files written before prepend_scheme existed say add_prefix_space instead.
        if (!spec.bool("add_prefix_space", true)) {
            if (spec.has("prepend_scheme") && scheme != PrependScheme.NEVER) {
                throw spec.error("add_prefix_space does not match declared prepend_scheme");
            }
            scheme = PrependScheme.NEVER;
        }
        return new MetaspacePreTokenizer(replacement.codePointAt(0), scheme, spec.bool("split", true));
    }

    @Override
    public void preTokenize(String piece, boolean atStart, PieceSink out) {
        String rep = Character.toString(replacement);
        String text = piece.replace(" ", rep);
        boolean prepend = switch (prependScheme) {
            case ALWAYS -> true;
            case FIRST -> atStart;
            case NEVER -> false;
        };
        if (prepend && !text.startsWith(rep)) text = rep + text;
        if (!split) {
            out.accept(text, atStart);
            return;
        }
        List<int[]> ranges = SplitBehavior.MERGED_WITH_NEXT.apply(SplitPattern.literal(rep).spans(text));
        for (int[] r : ranges) if (r[1] > r[0]) out.accept(text.substring(r[0], r[1]), atStart && r[0] == 0);
    }
}

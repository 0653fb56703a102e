package org.jtuner.text.tokenizer.pretokenizer;

import org.jtuner.text.tokenizer.util.ByteLevelAlphabet;
import org.jtuner.text.tokenizer.util.SplitPattern;

/**
 * GPT-2's byte-level step: optionally a leading space and GPT-2's word regex, then every piece rewritten as its UTF-8
 * bytes in {@link ByteLevelAlphabet} characters, the alphabet byte-level vocabularies are written in.
 */
public record ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex) implements PreTokenizer {
    private static final SplitPattern GPT2 =
            SplitPattern.regex("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    private static final SplitPreTokenizer GPT2_SPLIT = new SplitPreTokenizer(GPT2, SplitBehavior.ISOLATED, false);

    @Override
    public void preTokenize(String piece, boolean atStart, PieceSink out) {
        if (addPrefixSpace && !piece.startsWith(" ")) piece = " " + piece;
        if (useRegex) {
            GPT2_SPLIT.preTokenize(piece, atStart, (p, s) -> out.accept(ByteLevelAlphabet.encode(p), s));
        } else {
            out.accept(ByteLevelAlphabet.encode(piece), atStart);
        }
    }
}

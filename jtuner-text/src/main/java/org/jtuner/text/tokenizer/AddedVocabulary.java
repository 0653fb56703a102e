package org.jtuner.text.tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jtuner.text.tokenizer.normalizer.Normalizer;
import org.jtuner.text.tokenizer.util.UnicodeChars;

/**
 * The added tokens and how they cut the input (the reference's {@code AddedVocabulary}): tokens that are not
 * {@code normalized} are found in the raw text first; each remaining piece is normalized, and normalized tokens are
 * then found in it. What is left goes to the pre-tokenizer.
 */
final class AddedVocabulary {
    /** Receives the input cut into text pieces and added tokens, in order. */
    interface SegmentSink {
        void text(String piece, boolean atStart);

        /** {@code matched} is the text the token covered, whitespace taken by lstrip/rstrip included. */
        void token(AddedToken token, String matched);
    }

    private final Map<String, AddedToken> byContent = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    /** For normalized tokens whose normalized form differs: that form, which decoding uses. */
    private final Map<Integer, String> decodeForms = new HashMap<>();
    private final Set<String> specialContents = new HashSet<>();
    private final TokenTrie rawTrie = new TokenTrie();
    private final TokenTrie normalizedTrie = new TokenTrie();
    private final Normalizer normalizer;

    AddedVocabulary(List<AddedToken> tokens, Normalizer normalizer) {
        this.normalizer = normalizer;
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) continue;
            byContent.put(t.content(), t);
            byId.put(t.id(), t);
            if (t.special()) specialContents.add(t.content());
            if (t.normalized()) {
                String form = normalizer == null ? t.content() : normalizer.normalize(t.content());
                if (!form.equals(t.content())) decodeForms.put(t.id(), form);
                normalizedTrie.add(form, t);
            } else {
                rawTrie.add(t.content(), t);
            }
        }
    }

    AddedToken byContent(String content) {
        return byContent.get(content);
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    /** The string decoding uses for an added token id, or null when the id is not an added token. */
    String decodeForm(int id) {
        AddedToken t = byId.get(id);
        if (t == null) return null;
        return decodeForms.getOrDefault(id, t.content());
    }

    boolean isSpecial(String token) {
        return specialContents.contains(token);
    }

    Set<String> specialContents() {
        return Collections.unmodifiableSet(specialContents);
    }

    Iterable<AddedToken> all() {
        return byId.values();
    }

    /** Cuts {@code text} into added tokens and normalized text pieces. */
    void split(String text, SegmentSink sink) {
        if (rawTrie.isEmpty()) {
            normalizeAndSplit(text, true, sink);
            return;
        }
        for (Segment s : findMatches(text, rawTrie)) {
            if (s.token != null) sink.token(s.token, text.substring(s.start, s.end));
            else if (s.end > s.start) normalizeAndSplit(text.substring(s.start, s.end), s.start == 0, sink);
        }
    }

    private void normalizeAndSplit(String piece, boolean atStart, SegmentSink sink) {
        String normalized = normalizer == null ? piece : normalizer.normalize(piece);
        if (normalized.isEmpty()) return;
        if (normalizedTrie.isEmpty()) {
            sink.text(normalized, atStart);
            return;
        }
        for (Segment s : findMatches(normalized, normalizedTrie)) {
            if (s.token != null) sink.token(s.token, normalized.substring(s.start, s.end));
            else if (s.end > s.start) sink.text(normalized.substring(s.start, s.end), atStart && s.start == 0);
        }
    }

    private record Segment(int start, int end, AddedToken token) {}

    /** The reference's {@code find_matches}: matches adjusted for single_word, lstrip and rstrip, gaps between. */
    private static List<Segment> findMatches(String sentence, TokenTrie trie) {
        List<Segment> splits = new ArrayList<>();
        int[] startOffset = {0};
        trie.findAll(sentence, (start, stop, token) -> {
            if (token.singleWord()) {
                boolean startSpace = start == 0 || !UnicodeChars.isWordChar(sentence.codePointBefore(start));
                boolean stopSpace = stop == sentence.length() || !UnicodeChars.isWordChar(sentence.codePointAt(stop));
                if (!startSpace || !stopSpace) return;
            }
            if (token.lstrip()) {
                int newStart = start;
                while (newStart > 0 && UnicodeChars.isWhiteSpace(sentence.codePointBefore(newStart))) {
                    newStart -= Character.charCount(sentence.codePointBefore(newStart));
                }
                start = Math.max(newStart, startOffset[0]);
            }
            if (token.rstrip()) {
                while (stop < sentence.length() && UnicodeChars.isWhiteSpace(sentence.codePointAt(stop))) {
                    stop += Character.charCount(sentence.codePointAt(stop));
                }
            }
            if (startOffset[0] < start) splits.add(new Segment(startOffset[0], start, null));
            splits.add(new Segment(start, stop, token));
            startOffset[0] = stop;
        });
        if (startOffset[0] != sentence.length()) splits.add(new Segment(startOffset[0], sentence.length(), null));
        return splits;
    }
}

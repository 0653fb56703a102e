package org.jtuner.text.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Finds added tokens in text with leftmost-longest semantics (at the first position where any token matches, the
 * longest one), the order the reference's Aho-Corasick automaton reports them in. A table of first characters lets
 * text without any candidate pass at one array read per character.
 */
final class TokenTrie {
    private static final class Node {
        final Map<Character, Node> children = new HashMap<>();
        AddedToken token;
    }

    /** Receives one match: the half-open range and its token. */
    interface MatchSink {
        void match(int start, int end, AddedToken token);
    }

    private final Node root = new Node();
    private final boolean[] firstChars = new boolean[0x10000];
    private boolean empty = true;

    void add(String pattern, AddedToken token) {
        if (pattern.isEmpty()) return;
        Node node = root;
        for (int i = 0; i < pattern.length(); i++) node = node.children.computeIfAbsent(pattern.charAt(i), c -> new Node());
        node.token = token;
        firstChars[pattern.charAt(0)] = true;
        empty = false;
    }

    boolean isEmpty() {
        return empty;
    }

    /** Reports the non-overlapping matches in {@code text} from left to right. */
    void findAll(String text, MatchSink sink) {
        if (empty) return;
        int n = text.length();
        int i = 0;
        while (i < n) {
            if (!firstChars[text.charAt(i)]) { i++; continue; }
            Node node = root;
            int longest = -1;
            AddedToken token = null;
            for (int j = i; j < n; j++) {
                node = node.children.get(text.charAt(j));
                if (node == null) break;
                if (node.token != null) { longest = j + 1; token = node.token; }
            }
            if (token != null) {
                sink.match(i, longest, token);
                i = longest;
            } else {
                i++;
            }
        }
    }
}

package org.jtuner.text.tokenizer.model;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the ids of recently tokenized words, since text repeats its words. Bounded: when full it is emptied
 * and refills with what the current text uses. Safe for concurrent encoders; results never depend on it.
 */
final class WordCache {
    /** Words this long (in chars) or longer are not cached: they rarely repeat. */
    static final int MAX_WORD_LENGTH = 256;

    private final ConcurrentHashMap<String, int[]> map;
    private final int capacity;

    WordCache(int capacity) {
        this.capacity = capacity;
        this.map = new ConcurrentHashMap<>(Math.min(capacity, 1 << 16));
    }

    int[] get(String word) {
        return capacity == 0 ? null : map.get(word);
    }

    void put(String word, int[] ids) {
        if (capacity == 0 || word.length() >= MAX_WORD_LENGTH) return;
        if (map.size() >= capacity) map.clear();
        map.put(word, ids);
    }
}

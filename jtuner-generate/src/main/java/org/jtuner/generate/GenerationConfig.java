package org.jtuner.generate;

import java.util.List;

/**
 * How to generate, with transformers' meanings: greedy unless {@code doSample}; sampling applies the repetition
 * penalty, then temperature, then top-k, then top-p, in transformers' order. {@code topK} 0 and {@code topP} 1 turn
 * those filters off. Generation of a row stops at one of {@code eosIds} (kept in the tokens, left out of the text),
 * at one of {@code stopStrings} (the text ends before it), or after {@code maxNewTokens}.
 */
public record GenerationConfig(int maxNewTokens, boolean doSample, double temperature, int topK, double topP,
                               double repetitionPenalty, long seed, List<Integer> eosIds, List<String> stopStrings) {

    public GenerationConfig {
        if (maxNewTokens < 0) throw new IllegalArgumentException("max_new_tokens must be >= 0, got " + maxNewTokens);
        if (doSample && !(temperature > 0)) throw new IllegalArgumentException("temperature must be > 0 when sampling, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top_k must be >= 0 (0 = off), got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        eosIds = eosIds == null ? List.of() : List.copyOf(eosIds);
        stopStrings = stopStrings == null ? List.of() : stopStrings.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** Greedy decoding of at most {@code maxNewTokens}, stopping at {@code eosIds}. */
    public static GenerationConfig greedy(int maxNewTokens, List<Integer> eosIds) {
        return new GenerationConfig(maxNewTokens, false, 1.0, 0, 1.0, 1.0, 0, eosIds, List.of());
    }

    /**
     * XTuner's chat defaults ({@code xtuner chat}): max_new_tokens 2048, temperature 0.1, top-k 40, top-p 0.75,
     * repetition penalty 1.0, seed 0; sampling when the temperature is above 0.
     */
    public static GenerationConfig xtunerChatDefaults(List<Integer> eosIds) {
        return new GenerationConfig(2048, true, 0.1, 40, 0.75, 1.0, 0, eosIds, List.of());
    }

    public GenerationConfig withStopStrings(List<String> more) {
        List<String> all = new java.util.ArrayList<>(stopStrings);
        for (String s : more) if (!s.isEmpty() && !all.contains(s)) all.add(s);
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, repetitionPenalty, seed, eosIds, all);
    }

    public GenerationConfig withMaxNewTokens(int n) {
        return new GenerationConfig(n, doSample, temperature, topK, topP, repetitionPenalty, seed, eosIds, stopStrings);
    }

    public GenerationConfig withSeed(long s) {
        return new GenerationConfig(maxNewTokens, doSample, temperature, topK, topP, repetitionPenalty, s, eosIds, stopStrings);
    }
}

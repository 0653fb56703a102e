package org.jtuner.data.tools;

import java.io.PrintStream;
import java.util.EnumMap;
import java.util.Map;

import org.jtuner.data.EncodedSample;
import org.jtuner.text.cot.CotStages;
import org.jtuner.text.cot.CotStages.Stage;
import org.jtuner.text.tokenizer.Tokenizer;

/**
 * Token counts of LLaVA-CoT's four stages over the answers of a dataset: each answer is a run of trained tokens,
 * decoded and split into its stages, each stage's text re-encoded to count its tokens.
 */
final class CotStageStats {
    private final Tokenizer tokenizer;
    private final Map<Stage, long[]> minMaxSum = new EnumMap<>(Stage.class);
    private long answers;
    private long malformed;

    CotStageStats(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        for (Stage s : Stage.values()) minMaxSum.put(s, new long[] {Long.MAX_VALUE, 0, 0});
    }

    void add(EncodedSample sample) {
        int[] labels = sample.labels();
        int i = 0;
        while (i < labels.length) {
            if (labels[i] == EncodedSample.IGNORE_INDEX) {
                i++;
                continue;
            }
            int start = i;
            while (i < labels.length && labels[i] != EncodedSample.IGNORE_INDEX) i++;
            addAnswer(tokenizer.decode(java.util.Arrays.copyOfRange(labels, start, i), true));
        }
    }

    private void addAnswer(String text) {
        answers++;
        CotStages.Parsed p = CotStages.parse(text.strip());
        if (!p.valid()) {
            malformed++;
            return;
        }
        for (Stage s : Stage.values()) {
            long n = tokenizer.encode(p.contents().get(s), false).length;
            long[] m = minMaxSum.get(s);
            m[0] = Math.min(m[0], n);
            m[1] = Math.max(m[1], n);
            m[2] += n;
        }
    }

    void print(PrintStream out) {
        long wellFormed = answers - malformed;
        out.printf("  CoT stages:  %d answers (%d well formed); tokens per stage min / mean / max:%n", answers, wellFormed);
        if (wellFormed == 0) return;
        for (Stage s : Stage.values()) {
            long[] m = minMaxSum.get(s);
            out.printf("    %-11s %d / %.1f / %d%n", s.name(), m[0], (double) m[2] / wellFormed, m[1]);
        }
    }
}

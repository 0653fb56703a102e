package org.jtuner.data;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What reading a dataset found: counts of rows, kept samples, images and tokens, and for each kind of problem its
 * count and the first offenders (file, line, id, reason). Filled while the dataset is built; read-only after.
 */
public final class DatasetReport {
    /** How many offenders of each kind are kept with their details (the counts are always exact). */
    public static final int STORED_PER_KIND = 100;

    private int files;
    private long rows;
    private int kept;
    private int withImages;
    private int multiImage;
    private long images;
    private long tokens;
    private long trainedTokens;
    private final Map<ProblemKind, Integer> counts = new EnumMap<>(ProblemKind.class);
    private final Map<ProblemKind, List<Problem>> first = new EnumMap<>(ProblemKind.class);

    void file() {
        files++;
    }

    void row() {
        rows++;
    }

    void kept(EncodedSampleStats s) {
        kept++;
        if (s.images() > 0) withImages++;
        if (s.images() > 1) multiImage++;
        images += s.images();
        tokens += s.tokens();
        trainedTokens += s.trainedTokens();
    }

    void problem(Problem p) {
        counts.merge(p.kind(), 1, Integer::sum);
        List<Problem> list = first.computeIfAbsent(p.kind(), k -> new ArrayList<>());
        if (list.size() < STORED_PER_KIND) list.add(p);
    }

    /** Per kept sample: image count, tokens, trained tokens. */
    record EncodedSampleStats(int images, int tokens, int trainedTokens) {}

    public int files() {
        return files;
    }

    /** Rows read, malformed lines included. */
    public long rows() {
        return rows;
    }

    /** Samples kept for training. */
    public int kept() {
        return kept;
    }

    public int withImages() {
        return withImages;
    }

    public int textOnly() {
        return kept - withImages;
    }

    public int multiImage() {
        return multiImage;
    }

    /** Images in the kept samples. */
    public long images() {
        return images;
    }

    /** Tokens in the kept samples, image tokens included. */
    public long tokens() {
        return tokens;
    }

    /** Tokens that take loss in the kept samples. */
    public long trainedTokens() {
        return trainedTokens;
    }

    public int truncated() {
        return count(ProblemKind.TRUNCATED);
    }

    /** Rows left out, for any reason. */
    public long dropped() {
        long d = 0;
        for (Map.Entry<ProblemKind, Integer> e : counts.entrySet()) if (e.getKey() != ProblemKind.TRUNCATED) d += e.getValue();
        return d;
    }

    public int count(ProblemKind kind) {
        return counts.getOrDefault(kind, 0);
    }

    /** The first {@link #STORED_PER_KIND} problems of a kind, in file order. */
    public List<Problem> problems(ProblemKind kind) {
        return List.copyOf(first.getOrDefault(kind, List.of()));
    }

    /** Problems of bad input (see {@link ProblemKind#isBadInput}). */
    public int badInput() {
        int n = 0;
        for (Map.Entry<ProblemKind, Integer> e : counts.entrySet()) if (e.getKey().isBadInput()) n += e.getValue();
        return n;
    }

    /** One line: rows, kept, modalities, tokens, dropped and truncated. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(rows).append(" rows in ").append(files).append(files == 1 ? " file" : " files").append(": ")
                .append(kept).append(" samples (").append(withImages).append(" with images, ").append(multiImage)
                .append(" of them multi-image; ").append(textOnly()).append(" text-only), ")
                .append(images).append(" images, ").append(tokens).append(" tokens (").append(trainedTokens).append(" trained)");
        s.append("; dropped ").append(dropped());
        if (dropped() > 0) {
            List<String> parts = new ArrayList<>();
            for (ProblemKind k : ProblemKind.values()) {
                if (k != ProblemKind.TRUNCATED && count(k) > 0) parts.add(count(k) + " " + k.description());
            }
            s.append(" (").append(String.join(", ", parts)).append(")");
        }
        s.append("; truncated ").append(truncated());
        return s.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}

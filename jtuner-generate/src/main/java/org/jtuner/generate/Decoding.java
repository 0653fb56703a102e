package org.jtuner.generate;

import java.util.List;

/**
 * One generation's model state (its caches): the prefill of a left-padded batch, then one cached step per token.
 * Logits are those of each row's last position, [B][vocab].
 */
interface Decoding extends AutoCloseable {
    /**
     * mask, positions: [B·longest] row-major (0 on the left padding; positions cumsum(mask) - 1, padding at 1).
     */
    float[][] prefill(List<Prompt> prompts, int longest, int[] mask, int[] positions);

    /** next: each row's newest token; mask [B·width] over every position so far; positions [B]. */
    float[][] step(int[] next, int[] mask, int width, int[] positions);

    @Override
    void close();

    /** The last position's logits of hidden [B, T, V] (already through the head). */
    static float[][] lastRows(float[] flat, int b) {
        int v = flat.length / b;
        float[][] out = new float[b][];
        for (int r = 0; r < b; r++) out[r] = java.util.Arrays.copyOfRange(flat, r * v, (r + 1) * v);
        return out;
    }
}

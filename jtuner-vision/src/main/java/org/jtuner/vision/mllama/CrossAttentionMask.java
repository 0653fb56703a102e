package org.jtuner.vision.mllama;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code MllamaProcessor}'s {@code cross_attention_mask} from token ids: which tiles of which images each text token
 * may attend to. Each {@code <|image|>} token's image is seen from that token up to the next {@code <|image|>}; the
 * last image until the end; consecutive image tokens form a group that all see the text after the group
 * (transformers 4.47's {@code get_cross_attention_token_mask} and {@code convert_sparse_cross_attention_mask_to_dense}).
 */
public final class CrossAttentionMask {
    private CrossAttentionMask() {}

    /** {@code [start, end)} token ranges per image of one sequence ({@code end} -1 = to the end). */
    public static List<int[]> tokenRanges(long[] inputIds, long imageTokenId) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < inputIds.length; i++) if (inputIds[i] == imageTokenId) at.add(i);
        List<int[]> ranges = new ArrayList<>();
        if (at.isEmpty()) return ranges;
        if (at.size() == 1) {
            ranges.add(new int[] {at.get(0), -1});
            return ranges;
        }
        for (int k = 0; k + 1 < at.size(); k++) ranges.add(new int[] {at.get(k), at.get(k + 1)});
        ranges.add(new int[] {at.get(at.size() - 1), inputIds.length});
        int lastEnd = ranges.get(ranges.size() - 1)[1];
        for (int k = ranges.size() - 1; k >= 0; k--) {
            int[] r = ranges.get(k);
            if (r[0] == r[1] - 1) r[1] = lastEnd;
            lastEnd = r[1];
        }
        return ranges;
    }

    /**
     * The dense mask {@code [batch, length, max_images, max_tiles]} (row-major, 0/1) for a batch of id rows of
     * equal {@code length}; {@code numTiles[b][i]} tiles of image i of row b are visible. Rows with fewer images
     * than the widest are zero in the missing slots.
     */
    public static long[] dense(long[][] inputIds, int[][] numTiles, long imageTokenId, int maxTiles) {
        int batch = inputIds.length;
        int length = batch == 0 ? 0 : inputIds[0].length;
        List<List<int[]>> ranges = new ArrayList<>();
        int maxImages = 0;
        for (long[] row : inputIds) {
            if (row.length != length) throw new IllegalArgumentException("all id rows must have the same length (" + length + "), got " + row.length);
            List<int[]> r = tokenRanges(row, imageTokenId);
            ranges.add(r);
            maxImages = Math.max(maxImages, r.size());
        }
        long[] mask = new long[batch * length * maxImages * maxTiles];
        for (int b = 0; b < batch; b++) {
            List<int[]> r = ranges.get(b);
            int images = Math.min(r.size(), numTiles[b].length);
            for (int i = 0; i < images; i++) {
                int start = r.get(i)[0];
                int end = r.get(i)[1] == -1 ? length : Math.min(r.get(i)[1], length);
                int tiles = Math.min(numTiles[b][i], maxTiles);
                for (int s = start; s < end; s++) {
                    int base = ((b * length + s) * maxImages + i) * maxTiles;
                    for (int t = 0; t < tiles; t++) mask[base + t] = 1;
                }
            }
        }
        return mask;
    }

    /** {@code max_images} of {@link #dense}'s result: the most image ranges in any row. */
    public static int maxImages(long[][] inputIds, long imageTokenId) {
        int m = 0;
        for (long[] row : inputIds) m = Math.max(m, tokenRanges(row, imageTokenId).size());
        return m;
    }
}

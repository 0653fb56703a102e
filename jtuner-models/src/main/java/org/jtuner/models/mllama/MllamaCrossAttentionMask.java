package org.jtuner.models.mllama;

import org.jtuner.tensor.Tensor;

/**
 * transformers' {@code _prepare_cross_attention_mask}: the processor's {@code cross_attention_mask} [B, S, images,
 * tiles] (1 = the text token sees that tile) repeated over each tile's vision tokens and flattened image-major into an
 * additive mask [B, 1, S, images·tiles·tokens] (0 or float32's most negative value), and the row mask [B, S, 1]: 0 for
 * a text token that sees no tile at all. Such a row's additive mask is then all 0 (it attends to every vision token,
 * as transformers 4.47.1 does).
 *
 * @param additive [B, 1, S, N]
 * @param rows     [B, S, 1]
 */
public record MllamaCrossAttentionMask(Tensor additive, Tensor rows) {
    static final float FINFO_MIN = -Float.MAX_VALUE;

    /** mask: I32 or F32 [B, S, images, tiles]; tokensPerTile: the vision model's patches + 1 (CLS). */
    public static MllamaCrossAttentionMask of(Tensor mask, int tokensPerTile) {
        int[] s = mask.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException("cross_attention_mask " + mask.describe() + " must be [batch, text length, "
                    + "images, tiles]");
        }
        int b = s[0], t = s[1], images = s[2], tiles = s[3];
        float[] m = mask.toFloatArray();
        int n = images * tiles * tokensPerTile;
        float[] additive = new float[b * t * n];
        float[] rows = new float[b * t];
        for (int i = 0; i < b * t; i++) {
            boolean any = false;
            for (int j = 0; j < images * tiles; j++) any |= 1f - m[i * images * tiles + j] == 0;
            rows[i] = any ? 1 : 0;
            if (!any) continue; // masked-out row: all 0, as finfo.min · 0
            for (int j = 0; j < images * tiles; j++) {
                float v = 1f - m[i * images * tiles + j] != 0 ? FINFO_MIN : 0f;
                java.util.Arrays.fill(additive, i * n + j * tokensPerTile, i * n + (j + 1) * tokensPerTile, v);
            }
        }
        return new MllamaCrossAttentionMask(Tensor.of(mask.device(), additive, b, 1, t, n), Tensor.of(mask.device(), rows, b, t, 1));
    }
}

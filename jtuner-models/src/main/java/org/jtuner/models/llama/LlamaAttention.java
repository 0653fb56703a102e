package org.jtuner.models.llama;

import java.util.Random;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/**
 * Multi-head attention with grouped-query key/value heads and rotary positions (transformers' LlamaAttention):
 * q/k/v projections (with biases when the config has them: Llama's {@code attention_bias}, always for Qwen2),
 * RoPE on q and k, causal scaled dot-product attention over the (cached) keys, the output projection.
 */
public final class LlamaAttention extends Module {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Integer slidingWindow;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;

    LlamaAttention(LlamaConfig c, Random random) {
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        headDim = c.headDim();
        slidingWindow = c.slidingWindow().isPresent() ? c.slidingWindow().getAsInt() : null;
        int d = c.hiddenSize();
        qProj = registerChild("q_proj", LlamaModel.linear(random, c, d, heads * headDim, c.attentionBias()));
        kProj = registerChild("k_proj", LlamaModel.linear(random, c, d, kvHeads * headDim, c.attentionBias()));
        vProj = registerChild("v_proj", LlamaModel.linear(random, c, d, kvHeads * headDim, c.attentionBias()));
        oProj = registerChild("o_proj", LlamaModel.linear(random, c, heads * headDim, d, c.attentionOutputBias()));
    }

    public Linear qProj() { return qProj; }
    public Linear kProj() { return kProj; }
    public Linear vProj() { return vProj; }
    public Linear oProj() { return oProj; }

    /**
     * x [B, T, D]; cos, sin [B, T, headDim]; keyMask [B, S] (I32, 1 = real token; S = cached + T) or null;
     * cache or null. Returns [B, T, D].
     */
    public Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor keyMask, KvCache cache) {
        int b = x.shape()[0], t = x.shape()[1];
        Tensor q = F.rope(heads(qProj.forward(x), b, t, heads), cos, sin);   // [B, H, T, hd]
        Tensor k = F.rope(heads(kProj.forward(x), b, t, kvHeads), cos, sin); // [B, Hkv, T, hd]
        Tensor v = heads(vProj.forward(x), b, t, kvHeads);
        if (cache != null) {
            Tensor[] kv = cache.append(k, v);
            k = kv[0];
            v = kv[1];
        }
        int s = k.shape()[2];
        if (slidingWindow != null && s > slidingWindow) {
            throw new UnsupportedOperationException("sequence of " + s + " positions is longer than the config's "
                    + "sliding_window (" + slidingWindow + "); sliding-window attention is not implemented");
        }
        Tensor y = F.attention(q, k, v, true, keyMask, 1.0 / Math.sqrt(headDim)); // [B, H, T, hd]
        return oProj.forward(y.permute(0, 2, 1, 3).reshape(b, t, heads * headDim));
    }

    /** [B, T, n·hd] → [B, n, T, hd]. */
    private Tensor heads(Tensor x, int b, int t, int n) {
        return x.reshape(b, t, n, headDim).permute(0, 2, 1, 3);
    }
}

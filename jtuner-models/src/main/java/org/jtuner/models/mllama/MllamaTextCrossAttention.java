package org.jtuner.models.mllama;

import java.util.Random;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.models.llama.LlamaModel;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.nn.RmsNorm;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * Attention from text tokens to the projected vision tokens (transformers' MllamaTextCrossAttention): queries from the
 * text, keys and values from the vision states, RMSNorms over the head dimension on q and k, no rope, an additive
 * mask per (text token, vision token), grouped-query key/value heads.
 */
public final class MllamaTextCrossAttention extends Module {
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear oProj;
    private final RmsNorm qNorm;
    private final RmsNorm kNorm;

    MllamaTextCrossAttention(LlamaConfig c, Random random) {
        heads = c.numAttentionHeads();
        kvHeads = c.numKeyValueHeads();
        headDim = c.hiddenSize() / heads;
        int d = c.hiddenSize();
        qProj = registerChild("q_proj", LlamaModel.linear(random, c, d, heads * headDim, false));
        kProj = registerChild("k_proj", LlamaModel.linear(random, c, d, kvHeads * headDim, false));
        vProj = registerChild("v_proj", LlamaModel.linear(random, c, d, kvHeads * headDim, false));
        oProj = registerChild("o_proj", LlamaModel.linear(random, c, heads * headDim, d, false));
        qNorm = registerChild("q_norm", headNorm(c, random));
        kNorm = registerChild("k_norm", headNorm(c, random));
    }

    private RmsNorm headNorm(LlamaConfig c, Random random) {
        return new RmsNorm(random == null ? LlamaModel.placeholder(headDim) : org.jtuner.nn.Init.ones(headDim), c.rmsNormEps());
    }

    public Linear qProj() { return qProj; }
    public Linear kProj() { return kProj; }
    public Linear vProj() { return vProj; }
    public Linear oProj() { return oProj; }

    /**
     * x [B, T, D] (normed text); vision [B, N, D] (projected vision tokens of every image and tile of the row);
     * mask [B, 1, T, N] additive (0 or finfo.min) or null. Returns [B, T, D].
     */
    public Tensor forward(Tensor x, Tensor vision, Tensor mask) {
        return forward(x, keysValues(vision), mask);
    }

    /**
     * The keys (after k_norm) and values of the vision states [B, N, D]: {k, v} [B, Hkv, N, hd] each. They depend
     * on the images only, so generation computes them once per prompt (transformers keeps them in its cache).
     */
    public Tensor[] keysValues(Tensor vision) {
        int b = vision.shape()[0], n = vision.shape()[1];
        return new Tensor[] {kNorm.forward(heads(kProj.forward(vision), b, n, kvHeads)),
                heads(vProj.forward(vision), b, n, kvHeads)};
    }

    /** As {@link #forward(Tensor, Tensor, Tensor)}, from {@link #keysValues} computed before. */
    public Tensor forward(Tensor x, Tensor[] keysValues, Tensor mask) {
        int b = x.shape()[0], t = x.shape()[1], n = keysValues[0].shape()[2];
        Tensor q = qNorm.forward(heads(qProj.forward(x), b, t, heads));          // [B, H, T, hd]
        Tensor k = keysValues[0];                                                // [B, Hkv, N, hd]
        Tensor v = keysValues[1];
        int group = heads / kvHeads;
        // Query heads sharing a kv head are adjacent: [B, H, T, hd] as [B, Hkv, group·T, hd] serves a group at once.
        Tensor scores = Ops.affine(Ops.matmul(q.reshape(b, kvHeads, group * t, headDim), false, k, true),
                1.0 / Math.sqrt(headDim), 0).reshape(b, heads, t, n);
        if (mask != null) scores = Ops.add(scores, mask);
        Tensor probs = F.softmax(scores).reshape(b, kvHeads, group * t, n);
        Tensor y = Ops.matmul(probs, v).reshape(b, heads, t, headDim);
        return oProj.forward(y.permute(0, 2, 1, 3).reshape(b, t, heads * headDim));
    }

    /** [B, T, n·hd] → [B, n, T, hd]. */
    private Tensor heads(Tensor x, int b, int t, int n) {
        return x.reshape(b, t, n, headDim).permute(0, 2, 1, 3);
    }
}

package org.jtuner.models.mllama;

import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * MllamaVisionAttention: multi-head self-attention over all tiles of an image, with an additive mask, scale
 * head_dim^-0.5, no biases ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}).
 */
public final class MllamaVisionAttention extends Module {
    private final int heads;
    private final int headDim;
    private final double scale;
    private final Linear qProj, kProj, vProj, oProj;

    public MllamaVisionAttention(int heads, Linear qProj, Linear kProj, Linear vProj, Linear oProj) {
        int d = qProj.outFeatures();
        if (d % heads != 0) {
            throw new IllegalArgumentException("mllama vision attention: hidden size " + d + " is not a multiple of "
                    + heads + " heads");
        }
        this.heads = heads;
        this.headDim = d / heads;
        this.scale = 1.0 / Math.sqrt(headDim);
        this.qProj = registerChild("q_proj", qProj);
        this.kProj = registerChild("k_proj", kProj);
        this.vProj = registerChild("v_proj", vProj);
        this.oProj = registerChild("o_proj", oProj);
    }

    static MllamaVisionAttention create(int d, int heads, MllamaInit init) {
        return new MllamaVisionAttention(heads, new Linear(init.normal(d, d), null), new Linear(init.normal(d, d), null),
                new Linear(init.normal(d, d), null), new Linear(init.normal(d, d), null));
    }

    public Linear qProj() { return qProj; }
    public Linear kProj() { return kProj; }
    public Linear vProj() { return vProj; }
    public Linear oProj() { return oProj; }

    /** x [N, T, D], mask [N, 1, T, T] additive (0 or finfo.min) → [N, T, D]. */
    public Tensor forward(Tensor x, Tensor mask) {
        int[] s = x.shape();
        int n = s[0], t = s[1];
        Tensor q = heads(qProj.forward(x), n, t);                                  // [N, H, T, Dh]
        Tensor k = heads(kProj.forward(x), n, t);
        Tensor v = heads(vProj.forward(x), n, t);
        Tensor scores = Ops.affine(Ops.matmul(q, false, k, true), scale, 0);        // [N, H, T, T]
        Tensor probs = F.softmax(Ops.add(scores, mask));
        Tensor o = Ops.matmul(probs, v);                                           // [N, H, T, Dh]
        return oProj.forward(o.permute(0, 2, 1, 3).reshape(n, t, heads * headDim));
    }

    private Tensor heads(Tensor y, int n, int t) {
        return y.reshape(n, t, heads, headDim).permute(0, 2, 1, 3);
    }
}

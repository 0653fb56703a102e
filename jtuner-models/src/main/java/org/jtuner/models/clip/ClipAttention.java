package org.jtuner.models.clip;

import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/**
 * CLIPAttention: multi-head self-attention, non-causal, no mask, scale head_dim^-0.5; q/k/v/out projections with
 * biases ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code out_proj}).
 */
public final class ClipAttention extends Module {
    private final int heads;
    private final int headDim;
    private final double scale;
    private final Linear qProj, kProj, vProj, outProj;

    public ClipAttention(int heads, Linear qProj, Linear kProj, Linear vProj, Linear outProj) {
        int d = qProj.outFeatures();
        if (d % heads != 0) {
            throw new IllegalArgumentException("CLIP attention: hidden size " + d + " is not a multiple of " + heads + " heads");
        }
        this.heads = heads;
        this.headDim = d / heads;
        this.scale = Math.pow(headDim, -0.5);
        this.qProj = registerChild("q_proj", qProj);
        this.kProj = registerChild("k_proj", kProj);
        this.vProj = registerChild("v_proj", vProj);
        this.outProj = registerChild("out_proj", outProj);
    }

    /** Fresh weights as CLIPPreTrainedModel._init_weights draws them (normal weights, zero biases). */
    static ClipAttention create(int d, int heads, int layers, ParamInit init) {
        double inStd = Math.pow(d, -0.5) * Math.pow(2.0 * layers, -0.5), outStd = Math.pow(d, -0.5);
        return new ClipAttention(heads,
                new Linear(init.normal(inStd, d, d), init.zeros(d)),
                new Linear(init.normal(inStd, d, d), init.zeros(d)),
                new Linear(init.normal(inStd, d, d), init.zeros(d)),
                new Linear(init.normal(outStd, d, d), init.zeros(d)));
    }

    public Linear qProj() { return qProj; }
    public Linear kProj() { return kProj; }
    public Linear vProj() { return vProj; }
    public Linear outProj() { return outProj; }

    /** x [B, T, D] → [B, T, D]. */
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        int b = s[0], t = s[1];
        Tensor q = heads(qProj.forward(x), b, t);                 // [B, H, T, Dh]
        Tensor k = heads(kProj.forward(x), b, t);
        Tensor v = heads(vProj.forward(x), b, t);
        Tensor o = F.attention(q, k, v, false, null, scale);      // [B, H, T, Dh]
        return outProj.forward(o.permute(0, 2, 1, 3).reshape(b, t, heads * headDim));
    }

    private Tensor heads(Tensor y, int b, int t) {
        return y.reshape(b, t, heads, headDim).permute(0, 2, 1, 3);
    }
}

package org.jtuner.models.clip;

import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.nn.LayerNorm;
import org.jtuner.nn.Module;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/** CLIPEncoderLayer (pre-norm): x += self_attn(layer_norm1(x)); x += mlp(layer_norm2(x)). */
public final class ClipEncoderLayer extends Module {
    private final LayerNorm layerNorm1;
    private final ClipAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final ClipMlp mlp;

    public ClipEncoderLayer(LayerNorm layerNorm1, ClipAttention selfAttn, LayerNorm layerNorm2, ClipMlp mlp) {
        // Registration order is the checkpoint's module order (self_attn, layer_norm1, mlp, layer_norm2 in HF).
        this.selfAttn = registerChild("self_attn", selfAttn);
        this.layerNorm1 = registerChild("layer_norm1", layerNorm1);
        this.mlp = registerChild("mlp", mlp);
        this.layerNorm2 = registerChild("layer_norm2", layerNorm2);
    }

    static ClipEncoderLayer create(ClipVisionConfig c, ParamInit init) {
        int d = c.hiddenSize();
        return new ClipEncoderLayer(
                new LayerNorm(init.ones(d), init.zeros(d), c.layerNormEps()),
                ClipAttention.create(d, c.numAttentionHeads(), c.numHiddenLayers(), init),
                new LayerNorm(init.ones(d), init.zeros(d), c.layerNormEps()),
                ClipMlp.create(d, c.intermediateSize(), c.numHiddenLayers(), c.hiddenAct(), init));
    }

    public ClipAttention selfAttn() { return selfAttn; }
    public ClipMlp mlp() { return mlp; }
    public LayerNorm layerNorm1() { return layerNorm1; }
    public LayerNorm layerNorm2() { return layerNorm2; }

    /** x [B, T, D] → [B, T, D]. */
    public Tensor forward(Tensor x) {
        Tensor h = Ops.add(x, selfAttn.forward(layerNorm1.forward(x)));
        return Ops.add(h, mlp.forward(layerNorm2.forward(h)));
    }
}

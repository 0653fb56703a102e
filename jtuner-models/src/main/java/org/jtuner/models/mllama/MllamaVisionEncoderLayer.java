package org.jtuner.models.mllama;

import org.jtuner.io.config.MllamaVisionConfig;
import org.jtuner.nn.LayerNorm;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * MllamaVisionEncoderLayer (pre-norm): x += g_attn·self_attn(input_layernorm(x)); x += g_ffn·mlp(post_attention_layernorm(x)),
 * where a gated (global) layer has g = tanh({@code gate_attn}), tanh({@code gate_ffn}) and a local layer g = 1.
 */
public final class MllamaVisionEncoderLayer extends Module {
    private final MllamaVisionAttention selfAttn;
    private final MllamaVisionMlp mlp;
    private final LayerNorm inputLayernorm;
    private final LayerNorm postAttentionLayernorm;
    private final Parameter gateAttn;
    private final Parameter gateFfn;

    /** {@code gateAttn}, {@code gateFfn}: [1] each for a gated layer, both null for a local one. */
    public MllamaVisionEncoderLayer(MllamaVisionAttention selfAttn, MllamaVisionMlp mlp, LayerNorm inputLayernorm,
                                    LayerNorm postAttentionLayernorm, Tensor gateAttn, Tensor gateFfn) {
        if ((gateAttn == null) != (gateFfn == null)) {
            throw new IllegalArgumentException("mllama vision layer: gate_attn and gate_ffn come together");
        }
        this.selfAttn = registerChild("self_attn", selfAttn);
        this.mlp = registerChild("mlp", mlp);
        this.inputLayernorm = registerChild("input_layernorm", inputLayernorm);
        this.postAttentionLayernorm = registerChild("post_attention_layernorm", postAttentionLayernorm);
        if (gateAttn != null) {
            MllamaVisionModel.requireShape("gate_attn", gateAttn, 1);
            MllamaVisionModel.requireShape("gate_ffn", gateFfn, 1);
        }
        this.gateAttn = gateAttn == null ? null : registerParameter("gate_attn", new Parameter(gateAttn, true));
        this.gateFfn = gateFfn == null ? null : registerParameter("gate_ffn", new Parameter(gateFfn, true));
    }

    static MllamaVisionEncoderLayer create(MllamaVisionConfig c, boolean gated, MllamaInit init) {
        int d = c.hiddenSize();
        return new MllamaVisionEncoderLayer(
                MllamaVisionAttention.create(d, c.attentionHeads(), init),
                MllamaVisionMlp.create(d, c.intermediateSize(), c.hiddenAct(), init),
                new LayerNorm(init.ones(d), init.zeros(d), c.normEps()),
                new LayerNorm(init.ones(d), init.zeros(d), c.normEps()),
                gated ? init.normal(1) : null, gated ? init.normal(1) : null);
    }

    public boolean isGated() { return gateAttn != null; }
    public MllamaVisionAttention selfAttn() { return selfAttn; }
    public MllamaVisionMlp mlp() { return mlp; }
    public LayerNorm inputLayernorm() { return inputLayernorm; }
    public LayerNorm postAttentionLayernorm() { return postAttentionLayernorm; }
    public Parameter gateAttn() { return gateAttn; }
    public Parameter gateFfn() { return gateFfn; }

    /** x [N, T, D], mask [N, 1, T, T] additive → [N, T, D]. */
    public Tensor forward(Tensor x, Tensor mask) {
        Tensor a = selfAttn.forward(inputLayernorm.forward(x), mask);
        if (gateAttn != null) a = Ops.mul(a, Ops.tanh(gateAttn.value()));
        Tensor h = Ops.add(x, a);
        Tensor m = mlp.forward(postAttentionLayernorm.forward(h));
        if (gateFfn != null) m = Ops.mul(m, Ops.tanh(gateFfn.value()));
        return Ops.add(h, m);
    }
}

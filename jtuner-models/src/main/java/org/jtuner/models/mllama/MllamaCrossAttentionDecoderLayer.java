package org.jtuner.models.mllama;

import java.util.Random;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.models.llama.LlamaMlp;
import org.jtuner.models.llama.LlamaModel;
import org.jtuner.nn.Init;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.RmsNorm;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * A gated cross-attention block (transformers' MllamaCrossAttentionDecoderLayer):
 * {@code h = x + tanh(cross_attn_attn_gate)·cross_attn(input_layernorm(x), vision)}, then
 * {@code out = h + tanh(cross_attn_mlp_gate)·rowMask·mlp(post_attention_layernorm(h))}. The gates start at 0 in a
 * fresh model, which switches the block off.
 */
public final class MllamaCrossAttentionDecoderLayer extends Module {
    private final MllamaTextCrossAttention crossAttn;
    private final RmsNorm inputLayernorm;
    private final Parameter attnGate;
    private final LlamaMlp mlp;
    private final RmsNorm postAttentionLayernorm;
    private final Parameter mlpGate;

    MllamaCrossAttentionDecoderLayer(LlamaConfig c, Random random) {
        crossAttn = registerChild("cross_attn", new MllamaTextCrossAttention(c, random));
        inputLayernorm = registerChild("input_layernorm", LlamaModel.norm(c, random));
        attnGate = registerParameter("cross_attn_attn_gate", new Parameter(gate(random), true));
        mlp = registerChild("mlp", new LlamaMlp(c, random));
        postAttentionLayernorm = registerChild("post_attention_layernorm", LlamaModel.norm(c, random));
        mlpGate = registerParameter("cross_attn_mlp_gate", new Parameter(gate(random), true));
    }

    private static Tensor gate(Random random) {
        return random == null ? LlamaModel.placeholder(1) : Init.zeros(1);
    }

    /** tanh(gate), in F32 (a frozen gate may be stored in BF16). */
    private static Tensor gate(Parameter p) {
        Tensor g = p.value();
        return Ops.tanh(g.dtype() == DType.F32 ? g : Ops.cast(g, DType.F32));
    }

    public MllamaTextCrossAttention crossAttn() { return crossAttn; }
    public LlamaMlp mlp() { return mlp; }

    /**
     * x [B, T, D]; vision [B, N, D]; mask [B, 1, T, N] additive; rowMask [B, T, 1] (1 where the text token sees
     * an image) or null; attnRowMask: the same for the attention half (only with
     * {@code mllama_zero_text_only_cross_attention}), else null.
     */
    public Tensor forward(Tensor x, Tensor vision, Tensor mask, Tensor rowMask, Tensor attnRowMask) {
        return forward(x, crossAttn.keysValues(vision), mask, rowMask, attnRowMask);
    }

    /** As {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor)}, from the vision states' keys and values. */
    public Tensor forward(Tensor x, Tensor[] visionKeysValues, Tensor mask, Tensor rowMask, Tensor attnRowMask) {
        Tensor attn = crossAttn.forward(inputLayernorm.forward(x), visionKeysValues, mask);
        if (attnRowMask != null) attn = Ops.mul(attn, attnRowMask);
        Tensor h = Ops.add(x, Ops.mul(gate(attnGate), attn));
        Tensor m = mlp.forward(postAttentionLayernorm.forward(h));
        if (rowMask != null) m = Ops.mul(m, rowMask);
        return Ops.add(h, Ops.mul(gate(mlpGate), m));
    }
}

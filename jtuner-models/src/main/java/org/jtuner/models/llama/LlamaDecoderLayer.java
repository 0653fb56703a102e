package org.jtuner.models.llama;

import java.util.Random;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.nn.Module;
import org.jtuner.nn.RmsNorm;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/** Pre-norm block: h = x + attn(norm(x)); out = h + mlp(norm(h)) (transformers' LlamaDecoderLayer). */
public final class LlamaDecoderLayer extends Module {
    private final LlamaAttention selfAttn;
    private final LlamaMlp mlp;
    private final RmsNorm inputLayernorm;
    private final RmsNorm postAttentionLayernorm;

    /** A layer with fresh weights (as transformers initialises them), e.g. for benchmarks. */
    public LlamaDecoderLayer(LlamaConfig c, Random random) {
        selfAttn = registerChild("self_attn", new LlamaAttention(c, random));
        mlp = registerChild("mlp", new LlamaMlp(c, random));
        inputLayernorm = registerChild("input_layernorm", LlamaModel.norm(c, random));
        postAttentionLayernorm = registerChild("post_attention_layernorm", LlamaModel.norm(c, random));
    }

    public LlamaAttention selfAttn() { return selfAttn; }
    public LlamaMlp mlp() { return mlp; }

    /** x [B, T, D] → [B, T, D]. */
    public Tensor forward(Tensor x, Tensor cos, Tensor sin, Tensor keyMask, KvCache cache) {
        Tensor h = Ops.add(x, selfAttn.forward(inputLayernorm.forward(x), cos, sin, keyMask, cache));
        return Ops.add(h, mlp.forward(postAttentionLayernorm.forward(h)));
    }
}

package org.jtuner.models.llama;

import java.util.Random;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/** down_proj(act(gate_proj(x)) · up_proj(x)) (transformers' LlamaMLP); silu runs as one fused SwiGLU. */
public final class LlamaMlp extends Module {
    private final String act;
    private final Linear gateProj;
    private final Linear upProj;
    private final Linear downProj;

    public LlamaMlp(LlamaConfig c, Random random) {
        act = c.hiddenAct();
        gateProj = registerChild("gate_proj", LlamaModel.linear(random, c, c.hiddenSize(), c.intermediateSize(), c.mlpBias()));
        upProj = registerChild("up_proj", LlamaModel.linear(random, c, c.hiddenSize(), c.intermediateSize(), c.mlpBias()));
        downProj = registerChild("down_proj", LlamaModel.linear(random, c, c.intermediateSize(), c.hiddenSize(), c.mlpBias()));
    }

    public Linear gateProj() { return gateProj; }
    public Linear upProj() { return upProj; }
    public Linear downProj() { return downProj; }

    /** x [B, T, D] → [B, T, D]. */
    public Tensor forward(Tensor x) {
        Tensor gate = gateProj.forward(x), up = upProj.forward(x);
        Tensor h = act.equals("silu") || act.equals("swish") ? F.swiglu(gate, up) : Ops.mul(F.activation(act, gate), up);
        return downProj.forward(h);
    }
}

package org.jtuner.models.mllama;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.io.config.MllamaVisionConfig;
import org.jtuner.models.ActivationCheckpointing;
import org.jtuner.nn.Module;
import org.jtuner.nn.ModuleList;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;

/** MllamaVisionEncoder ({@code transformer}, {@code global_transformer}): a stack of {@code layers}. */
public final class MllamaVisionEncoder extends Module {
    private final ModuleList<MllamaVisionEncoderLayer> layers;
    private boolean activationCheckpointing;

    public MllamaVisionEncoder(List<MllamaVisionEncoderLayer> layers) {
        this.layers = registerChild("layers", new ModuleList<>(layers));
    }

    static MllamaVisionEncoder create(MllamaVisionConfig c, int count, boolean gated, MllamaInit init) {
        List<MllamaVisionEncoderLayer> layers = new ArrayList<>();
        for (int i = 0; i < count; i++) layers.add(MllamaVisionEncoderLayer.create(c, gated, init));
        return new MllamaVisionEncoder(layers);
    }

    public ModuleList<MllamaVisionEncoderLayer> layers() {
        return layers;
    }

    /** Recompute each layer in backward instead of keeping its activations (training only). */
    public void setActivationCheckpointing(boolean on) {
        activationCheckpointing = on;
    }

    /**
     * x [N, T, D] → every hidden state: index 0 the input, index i the output of layer i (transformers'
     * {@code hidden_states} tuple).
     */
    public List<Tensor> hiddenStates(Tensor x, Tensor mask) {
        List<Tensor> states = new ArrayList<>(layers.size() + 1);
        Tensor h = x;
        states.add(h);
        for (MllamaVisionEncoderLayer layer : layers) {
            h = ActivationCheckpointing.applies(activationCheckpointing, layer, h)
                    ? Autograd.checkpoint(in -> layer.forward(in[0], mask), h) : layer.forward(h, mask);
            states.add(h);
        }
        return states;
    }
}

package org.jtuner.models.mllama;

import java.util.Random;

import org.jtuner.models.llama.LlamaModel;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.Tensor;

/**
 * The text model with its head (transformers' MllamaForCausalLM, {@code language_model} inside the full model):
 * {@code model.*} and {@code lm_head} [vocab_size, D] (the embedding's 8 extra rows have no logits).
 */
public final class MllamaForCausalLM extends Module {
    private final MllamaTextConfig config;
    private final MllamaTextModel model;
    private final Linear lmHead;

    MllamaForCausalLM(MllamaTextConfig config, Random random) {
        this.config = config;
        model = registerChild("model", new MllamaTextModel(config, random));
        lmHead = registerChild("lm_head", LlamaModel.linear(random, config.llama(), config.hiddenSize(), config.vocabSize(), false));
    }

    /** Fresh weights as transformers initialises them (gates 0); a null random gives placeholders for loading. */
    public static MllamaForCausalLM create(MllamaTextConfig config, Random random) {
        return new MllamaForCausalLM(config, random);
    }

    public MllamaTextConfig config() { return config; }
    public MllamaTextModel model() { return model; }
    public Linear lmHead() { return lmHead; }

    /** ids I32 [B, T] → logits [B, T, vocab]; vision and crossMask as {@link MllamaTextModel#forward}. */
    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor vision, MllamaCrossAttentionMask crossMask) {
        return lmHead.forward(model.forward(model.embed(inputIds), attentionMask, vision, crossMask));
    }
}

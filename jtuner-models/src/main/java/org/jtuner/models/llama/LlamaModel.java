package org.jtuner.models.llama;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.nn.Embedding;
import org.jtuner.nn.Init;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.nn.ModuleList;
import org.jtuner.nn.RmsNorm;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.models.ActivationCheckpointing;

/** Token embeddings, the decoder layers and the final norm (transformers' LlamaModel). */
public final class LlamaModel extends Module {
    private boolean activationCheckpointing;
    private final LlamaConfig config;
    private final Embedding embedTokens;
    private final ModuleList<LlamaDecoderLayer> layers;
    private final RmsNorm norm;
    private final RotaryEmbedding rotary;

    LlamaModel(LlamaConfig c, Random random) {
        config = c;
        Tensor table = random == null ? placeholder(c.vocabSize(), c.hiddenSize())
                : Init.normal(random, initializerRange(c), c.vocabSize(), c.hiddenSize());
        if (random != null && c.padTokenId().isPresent() && c.padTokenId().getAsInt() < c.vocabSize()) {
            table = zeroRow(table, c.padTokenId().getAsInt()); // nn.Embedding(padding_idx) starts that row at zero
        }
        embedTokens = registerChild("embed_tokens", new Embedding(table));
        List<LlamaDecoderLayer> list = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) list.add(new LlamaDecoderLayer(c, random));
        layers = registerChild("layers", new ModuleList<>(list));
        norm = registerChild("norm", norm(c, random));
        rotary = new RotaryEmbedding(c.rope(), c.headDim());
    }

    public Embedding embedTokens() { return embedTokens; }
    public ModuleList<LlamaDecoderLayer> layers() { return layers; }
    public RmsNorm norm() { return norm; }

    /**
     * inputsEmbeds [B, T, D]; attentionMask [B, S] I32 over all positions (cached and new; S = past + T) or null;
     * positionIds [B, T] I32 or null (past + 0..T-1 for every row); cache: one per layer, or null.
     * Returns the final hidden states [B, T, D].
     */
    /** Recompute each decoder layer in backward instead of keeping its activations (training only). */
    public void setActivationCheckpointing(boolean on) {
        activationCheckpointing = on;
    }

    public Tensor forward(Tensor inputsEmbeds, Tensor attentionMask, Tensor positionIds, KvCache[] cache) {
        int[] s = inputsEmbeds.shape();
        if (s.length != 3 || s[2] != config.hiddenSize()) {
            throw new IllegalArgumentException("inputs_embeds " + inputsEmbeds.describe() + " must be [B, T, "
                    + config.hiddenSize() + "]");
        }
        int b = s[0], t = s[1];
        int past = cache == null ? 0 : cache[0].length();
        if (cache != null && cache.length != layers.size()) {
            throw new IllegalArgumentException("cache has " + cache.length + " layers, the model " + layers.size());
        }
        if (attentionMask != null && (attentionMask.dtype() != DType.I32 || attentionMask.rank() != 2
                || attentionMask.shape()[0] != b || attentionMask.shape()[1] != past + t)) {
            throw new IllegalArgumentException("attention_mask " + attentionMask.describe() + " must be I32 [" + b + ", "
                    + (past + t) + "] (past + new positions)");
        }
        Tensor[] cs = rotary.tables(inputsEmbeds.device(), positions(positionIds, b, t, past), b, t);
        Tensor h = inputsEmbeds;
        for (int i = 0; i < layers.size(); i++) {
            LlamaDecoderLayer layer = layers.get(i);
            if (cache == null && ActivationCheckpointing.applies(activationCheckpointing, layer, h)) {
                h = Autograd.checkpoint(in -> layer.forward(in[0], cs[0], cs[1], attentionMask, null), h);
            } else {
                h = layer.forward(h, cs[0], cs[1], attentionMask, cache == null ? null : cache[i]);
            }
        }
        return norm.forward(h);
    }

    private static int[] positions(Tensor positionIds, int b, int t, int past) {
        if (positionIds != null) {
            if (positionIds.dtype() != DType.I32 || positionIds.rank() != 2 || positionIds.shape()[0] != b
                    || positionIds.shape()[1] != t) {
                throw new IllegalArgumentException("position_ids " + positionIds.describe() + " must be I32 [" + b + ", " + t + "]");
            }
            return positionIds.toIntArray();
        }
        int[] pos = new int[b * t];
        for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) pos[i * t + j] = past + j;
        return pos;
    }

    // ---------------------------------------------------------------- construction helpers (HF's _init_weights)

    public static double initializerRange(LlamaConfig c) {
        return c.raw().path("initializer_range").asDouble(0.02);
    }

    /**
     * A linear layer initialised as transformers does: weight ~ N(0, initializer_range²), bias 0; with a null
     * {@code random}, placeholders that a checkpoint will fill.
     */
    public static Linear linear(Random random, LlamaConfig c, int in, int out, boolean bias) {
        if (random == null) return new Linear(placeholder(out, in), bias ? placeholder(out) : null);
        return new Linear(Init.normal(random, initializerRange(c), out, in), bias ? Init.zeros(out) : null);
    }

    public static RmsNorm norm(LlamaConfig c, Random random) {
        return new RmsNorm(random == null ? placeholder(c.hiddenSize()) : Init.ones(c.hiddenSize()), c.rmsNormEps());
    }

    /** Uninitialised storage of the right shape, small (BF16) since loading replaces it at once. */
    public static Tensor placeholder(int... shape) {
        return Scope.unscoped(() -> Tensor.empty(DType.BF16, shape));
    }

    private static Tensor zeroRow(Tensor table, int row) {
        int[] shape = table.shape();
        int d = shape[1];
        float[] data = table.toFloatArray();
        java.util.Arrays.fill(data, row * d, (row + 1) * d, 0f);
        table.close();
        return Scope.unscoped(() -> Tensor.of(data, shape));
    }

}

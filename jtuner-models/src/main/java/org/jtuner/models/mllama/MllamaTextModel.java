package org.jtuner.models.mllama;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.models.ActivationCheckpointing;
import org.jtuner.models.llama.KvCache;
import org.jtuner.models.llama.LlamaDecoderLayer;
import org.jtuner.models.llama.LlamaModel;
import org.jtuner.models.llama.RotaryEmbedding;
import org.jtuner.nn.Embedding;
import org.jtuner.nn.Init;
import org.jtuner.nn.Module;
import org.jtuner.nn.ModuleList;
import org.jtuner.nn.RmsNorm;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;

/**
 * The Llama-3.2-Vision decoder (transformers' MllamaTextModel): token embeddings with 8 rows beyond the vocabulary and
 * {@code padding_idx} = pad_token_id (that row gets no gradient), Llama self-attention layers and, at
 * {@code cross_attention_layers}, gated cross-attention layers, the final norm. Without vision states the
 * cross-attention layers are skipped for the whole batch.
 */
public final class MllamaTextModel extends Module {
    private final MllamaTextConfig config;
    private final Embedding embedTokens;
    private final ModuleList<Module> layers;
    private final RmsNorm norm;
    private final RotaryEmbedding rotary;
    private final int paddingIdx;
    private boolean activationCheckpointing;

    MllamaTextModel(MllamaTextConfig config, Random random) {
        this.config = config;
        LlamaConfig c = config.llama();
        paddingIdx = c.padTokenId().isPresent() ? c.padTokenId().getAsInt() : -1;
        Tensor table;
        if (random == null) {
            table = LlamaModel.placeholder(config.embeddingRows(), c.hiddenSize());
        } else {
            float[] data = Init.normal(random, LlamaModel.initializerRange(c), config.embeddingRows(), c.hiddenSize()).toFloatArray();
            if (paddingIdx >= 0 && paddingIdx < config.embeddingRows()) {
                java.util.Arrays.fill(data, paddingIdx * c.hiddenSize(), (paddingIdx + 1) * c.hiddenSize(), 0f);
            }
            table = Scope.unscoped(() -> Tensor.of(data, config.embeddingRows(), c.hiddenSize()));
        }
        embedTokens = registerChild("embed_tokens", new Embedding(table));
        List<Module> list = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            list.add(config.isCrossAttentionLayer(i) ? new MllamaCrossAttentionDecoderLayer(c, random) : new LlamaDecoderLayer(c, random));
        }
        layers = registerChild("layers", new ModuleList<>(list));
        norm = registerChild("norm", LlamaModel.norm(c, random));
        rotary = new RotaryEmbedding(c.rope(), c.headDim());
    }

    public Embedding embedTokens() { return embedTokens; }
    public ModuleList<Module> layers() { return layers; }
    public RmsNorm norm() { return norm; }

    /** Recompute each decoder layer in backward instead of keeping its activations (training only). */
    public void setActivationCheckpointing(boolean on) {
        activationCheckpointing = on;
    }

    /** Embeddings of ids I32 [B, T] → [B, T, D]; positions holding padding_idx pass no gradient to that row. */
    public Tensor embed(Tensor ids) {
        Tensor rows = embedTokens.forward(ids);
        if (paddingIdx < 0 || !rows.requiresGrad()) return rows;
        int[] id = ids.toIntArray();
        float[] keep = new float[id.length];
        boolean anyPad = false;
        for (int i = 0; i < id.length; i++) {
            keep[i] = id[i] == paddingIdx ? 0f : 1f;
            anyPad |= id[i] == paddingIdx;
        }
        if (!anyPad) return rows;
        int[] s = ids.shape();
        Tensor k = Tensor.of(ids.device(), keep, s[0], s[1], 1);
        // Same values (x·1 + x·0 or x·0 + x·1), but the padding positions' part is detached.
        return Ops.add(Ops.mul(rows, k), Ops.mul(rows.detach(), Ops.affine(k, -1, 1)));
    }

    /**
     * inputsEmbeds [B, T, D]; attentionMask I32 [B, T] or null; vision [B, N, D] (projected vision tokens) or null
     * (then the cross-attention layers are skipped); crossMask from {@link MllamaCrossAttentionMask#of}, or null
     * (every text token attends to every vision token). Returns the final hidden states [B, T, D].
     */
    public Tensor forward(Tensor inputsEmbeds, Tensor attentionMask, Tensor vision, MllamaCrossAttentionMask crossMask) {
        return forward(inputsEmbeds, attentionMask, null, vision, crossMask, null);
    }

    /** An empty cache for {@link #forward(Tensor, Tensor, Tensor, Tensor, MllamaCrossAttentionMask, KvCache[])}: one per layer. */
    public KvCache[] newCache() {
        KvCache[] cache = new KvCache[layers.size()];
        for (int i = 0; i < cache.length; i++) cache[i] = new KvCache();
        return cache;
    }

    /**
     * The forward with a cache, for generation (transformers' MllamaTextModel with past_key_values): the
     * self-attention layers append this call's keys and values; a cross-attention layer stores the vision states'
     * keys and values when {@code vision} is given (the prefill) and reuses them when it is null (a decoding step);
     * a cross-attention layer with neither is skipped, as for a text-only batch. attentionMask I32 [B, past + T] or
     * null; positionIds I32 [B, T] or null (past + 0..T-1); crossMask covers this call's T positions; cache from
     * {@link #newCache()} or null (then this is the plain forward). Returns the final hidden states [B, T, D].
     */
    public Tensor forward(Tensor inputsEmbeds, Tensor attentionMask, Tensor positionIds, Tensor vision,
                          MllamaCrossAttentionMask crossMask, KvCache[] cache) {
        int[] s = inputsEmbeds.shape();
        if (s.length != 3 || s[2] != config.hiddenSize()) {
            throw new IllegalArgumentException("inputs_embeds " + inputsEmbeds.describe() + " must be [B, T, " + config.hiddenSize() + "]");
        }
        int b = s[0], t = s[1];
        if (cache != null && cache.length != layers.size()) {
            throw new IllegalArgumentException("cache has " + cache.length + " layers, the model " + layers.size());
        }
        int past = pastLength(cache);
        if (attentionMask != null && (attentionMask.dtype() != DType.I32 || attentionMask.rank() != 2
                || attentionMask.shape()[0] != b || attentionMask.shape()[1] != past + t)) {
            throw new IllegalArgumentException("attention_mask " + attentionMask.describe() + " must be I32 [" + b + ", "
                    + (past + t) + "] (past + new positions)");
        }
        if (vision != null && (vision.rank() != 3 || vision.shape()[0] != b || vision.shape()[2] != config.hiddenSize())) {
            throw new IllegalArgumentException("cross_attention_states " + vision.describe() + " must be [" + b
                    + ", vision tokens, " + config.hiddenSize() + "]");
        }
        int[] pos;
        if (positionIds != null) {
            if (positionIds.dtype() != DType.I32 || positionIds.rank() != 2 || positionIds.shape()[0] != b || positionIds.shape()[1] != t) {
                throw new IllegalArgumentException("position_ids " + positionIds.describe() + " must be I32 [" + b + ", " + t + "]");
            }
            pos = positionIds.toIntArray();
        } else {
            pos = new int[b * t];
            for (int i = 0; i < b; i++) for (int j = 0; j < t; j++) pos[i * t + j] = past + j;
        }
        Tensor[] cs = rotary.tables(inputsEmbeds.device(), pos, b, t);
        Tensor additive = crossMask == null ? null : crossMask.additive();
        Tensor rows = crossMask == null ? null : crossMask.rows();
        Tensor attnRows = config.zeroTextOnlyCrossAttention() ? rows : null;
        Tensor h = inputsEmbeds;
        for (int i = 0; i < layers.size(); i++) {
            Module layer = layers.get(i);
            boolean checkpoint = cache == null && ActivationCheckpointing.applies(activationCheckpointing, layer, h);
            if (layer instanceof MllamaCrossAttentionDecoderLayer cross) {
                KvCache c = cache == null ? null : cache[i];
                if (vision == null && (c == null || c.length() == 0)) continue; // text only: transformers skips these layers
                if (checkpoint) {
                    h = Autograd.checkpoint(in -> cross.forward(in[0], in[1], additive, rows, attnRows), h, vision);
                } else if (vision == null) {
                    h = cross.forward(h, new Tensor[] {c.keys(), c.values()}, additive, rows, attnRows);
                } else {
                    Tensor[] kv = cross.crossAttn().keysValues(vision);
                    if (c != null) {
                        c.close();
                        c.append(kv[0], kv[1]);
                    }
                    h = cross.forward(h, kv, additive, rows, attnRows);
                }
            } else {
                LlamaDecoderLayer self = (LlamaDecoderLayer) layer;
                h = checkpoint ? Autograd.checkpoint(in -> self.forward(in[0], cs[0], cs[1], attentionMask, null), h)
                        : self.forward(h, cs[0], cs[1], attentionMask, cache == null ? null : cache[i]);
            }
        }
        return norm.forward(h);
    }

    /** Positions already in the cache: the first self-attention layer's length (cross-attention layers hold images). */
    private int pastLength(KvCache[] cache) {
        if (cache == null) return 0;
        for (int i = 0; i < layers.size(); i++) if (layers.get(i) instanceof LlamaDecoderLayer) return cache[i].length();
        return 0;
    }
}

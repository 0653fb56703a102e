package org.jtuner.models.llama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.LlamaConfig;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.WeightSource;
import org.jtuner.nn.Embedding;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;

/**
 * A Llama-family decoder with its language-model head (transformers' LlamaForCausalLM; also Mistral, Qwen2 and
 * InternLM2, whose checkpoints load into the same modules). Parameter names are transformers' in-memory names:
 * {@code model.embed_tokens.weight}, {@code model.layers.0.self_attn.q_proj.weight}, ..., {@code model.norm.weight},
 * {@code lm_head.weight}. With {@code tie_word_embeddings} there is no {@code lm_head}: the logits use the embedding
 * table, which then gets the gradients of both uses.
 */
public final class LlamaForCausalLM extends Module {
    /** The label transformers' loss ignores. */
    public static final int IGNORE_INDEX = -100;

    private final LlamaConfig config;
    private final LlamaModel model;
    private final Linear lmHead; // null when tied

    private LlamaForCausalLM(LlamaConfig config, Random random) {
        this.config = config;
        this.model = registerChild("model", new LlamaModel(config, random));
        this.lmHead = config.tieWordEmbeddings() ? null
                : registerChild("lm_head", LlamaModel.linear(random, config, config.hiddenSize(), config.vocabSize(), false));
    }

    /**
     * Fresh weights as transformers initialises them: normal(0, initializer_range), norms 1, biases 0. A null
     * {@code random} gives uninitialised placeholders instead, as {@link #forLoading} does.
     */
    public static LlamaForCausalLM create(LlamaConfig config, Random random) {
        return new LlamaForCausalLM(config, random);
    }

    /**
     * A model whose weights are uninitialised placeholders, to be filled at once by {@link #loadWeights} (e.g. the
     * language model inside a LLaVA checkpoint). Cheaper than {@link #create} for large models.
     */
    public static LlamaForCausalLM forLoading(LlamaConfig config) {
        return new LlamaForCausalLM(config, null);
    }

    /** config.json and the safetensors weights of a model folder; every weight F32 and trainable. */
    public static LlamaForCausalLM load(Path dir) throws IOException {
        return load(dir, false);
    }

    /**
     * Loads a model folder (model_type llama, mistral, qwen2 or internlm2). With {@code frozenHalfPrecision} every
     * weight is frozen and BF16/F16 weights stay in their dtype (a frozen LLM, or the base under LoRA adapters);
     * otherwise all weights are F32 and trainable.
     */
    public static LlamaForCausalLM load(Path dir, boolean frozenHalfPrecision) throws IOException {
        LlamaConfig config = HfConfigs.load(dir, LlamaConfig.class);
        LlamaForCausalLM m = new LlamaForCausalLM(config, null);
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir)) {
            if (frozenHalfPrecision) m.setTrainable(false);
            m.loadWeights(WeightSource.of(checkpoint), LlamaCheckpoints.options(config).keepHalfPrecisionFrozen(frozenHalfPrecision));
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** Loads this model's weights from a checkpoint in its type's layout (see {@link LlamaCheckpoints}). */
    public WeightLoader.LoadReport loadWeights(WeightSource checkpoint, WeightLoader.Options options) {
        return loadWeights(checkpoint, LlamaCheckpoints.keyMap(config.modelType()), options);
    }

    /**
     * Loads this model's weights through another key map, e.g. the type's map with a prefix for a language model
     * inside a LLaVA checkpoint: {@code LlamaCheckpoints.keyMap(type).andThen(Rule.prefix("", "language_model."))}.
     * InternLM2's packed wqkv is still split first.
     */
    public WeightLoader.LoadReport loadWeights(WeightSource checkpoint, KeyMap keyMap, WeightLoader.Options options) {
        return WeightLoader.load(this, LlamaCheckpoints.source(config, checkpoint), keyMap, options);
    }

    /** Writes config.json and the weights (without LoRA adapters) as {@code save_pretrained} does, in this type's layout. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        HfConfigs.write(dir.resolve(HfConfigs.CONFIG_FILE), config.raw());
        ShardedCheckpoint.write(dir, LlamaCheckpoints.stateDict(this, config, null), Map.of("format", "pt"),
                WeightSaver.DEFAULT_MAX_SHARD_BYTES);
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaModel model() {
        return model;
    }

    public Embedding embedTokens() {
        return model.embedTokens();
    }

    /** The output head, or null when tied to the embeddings. */
    public Linear lmHead() {
        return lmHead;
    }

    // ---------------------------------------------------------------- forward

    /**
     * inputsEmbeds [B, T, D] F32; attentionMask I32 [B, T] (1 = real token) or null; positionIds I32 [B, T] or null
     * (then 0..T-1 per row, as transformers does when none are given). Returns logits [B, T, V]; at padded
     * positions they mean nothing.
     */
    public Tensor forward(Tensor inputsEmbeds, Tensor attentionMask, Tensor positionIds) {
        return forward(inputsEmbeds, attentionMask, positionIds, null);
    }

    /**
     * With a cache ({@link #newCache}): the new positions' logits [B, T, V], attending to the cached ones too;
     * attentionMask then covers past and new positions, [B, past + T]; positions default to past + 0..T-1.
     */
    public Tensor forward(Tensor inputsEmbeds, Tensor attentionMask, Tensor positionIds, KvCache[] cache) {
        return head(model.forward(inputsEmbeds, attentionMask, positionIds, cache));
    }

    /** inputIds I32 [B, T] → embeddings → {@link #forward(Tensor, Tensor, Tensor)}. */
    public Tensor forwardIds(Tensor inputIds, Tensor attentionMask) {
        return forward(model.embedTokens().forward(inputIds), attentionMask, null);
    }

    /** hidden [..., D] → logits [..., V]. */
    public Tensor head(Tensor hidden) {
        return lmHead != null ? lmHead.forward(hidden) : F.linear(hidden, model.embedTokens().weight().value(), null);
    }

    /**
     * transformers' ForCausalLMLoss: position t predicts label t + 1 (labels I32 [B, T]; -100 = ignored), mean
     * cross-entropy over the predicted labels that are not ignored.
     */
    public static Tensor causalLmLoss(Tensor logits, Tensor labels) {
        return F.crossEntropy(logits, Tensor.ofInts(labels.device(), shiftedLabels(labels), labels.shape()), IGNORE_INDEX);
    }

    /** The label each position predicts (labels I32 [B, T]): label t + 1, and {@link #IGNORE_INDEX} at the last. */
    private static int[] shiftedLabels(Tensor labels) {
        int[] s = labels.shape();
        if (s.length != 2) throw new IllegalArgumentException("causal LM loss: labels must be [B, T], got " + labels.describe());
        int[] l = labels.toIntArray();
        int[] shifted = new int[l.length];
        for (int b = 0; b < s[0]; b++) {
            for (int t = 0; t < s[1]; t++) shifted[b * s[1] + t] = t + 1 < s[1] ? l[b * s[1] + t + 1] : IGNORE_INDEX;
        }
        return shifted;
    }

    /**
     * {@code causalLmLoss(head(hidden), labels)} with the LM head run only at the positions that predict a label:
     * hidden [B, T, D] (the model's output after its final norm), labels I32 [B, T]. The same loss and gradients
     * (the logits of ignored positions never reach the loss) for less work and memory where most labels are ignored,
     * as the image, prompt and padding tokens of LLaVA training are. With no label to predict it is the full path.
     */
    public Tensor causalLmLossFromHidden(Tensor hidden, Tensor labels) {
        int[] sh = hidden.shape(), sl = labels.shape();
        if (sh.length != 3 || sl.length != 2 || sh[0] != sl[0] || sh[1] != sl[1]) {
            throw new IllegalArgumentException("causal LM loss: hidden " + hidden.describe() + " and labels "
                    + labels.describe() + " must be [B, T, D] and [B, T]");
        }
        int[] shifted = shiftedLabels(labels);
        int counted = 0;
        for (int v : shifted) if (v != IGNORE_INDEX) counted++;
        if (counted == 0) return causalLmLoss(head(hidden), labels);
        int[] rows = new int[counted], targets = new int[counted];
        for (int i = 0, r = 0; i < shifted.length; i++) {
            if (shifted[i] == IGNORE_INDEX) continue;
            rows[r] = i;
            targets[r++] = shifted[i];
        }
        Tensor picked = Ops.gatherRows(hidden.reshape(sh[0] * sh[1], sh[2]), Tensor.ofInts(hidden.device(), rows, counted));
        return F.crossEntropy(head(picked), Tensor.ofInts(labels.device(), targets, counted), IGNORE_INDEX);
    }

    // ---------------------------------------------------------------- generation

    /** An empty key/value cache, one per layer. Close it ({@link KvCache#closeAll}) when done. */
    public KvCache[] newCache() {
        KvCache[] cache = new KvCache[config.numHiddenLayers()];
        for (int i = 0; i < cache.length; i++) cache[i] = new KvCache();
        return cache;
    }

    /**
     * Greedy decoding with a key/value cache: the prompt, then one token at a time, the arg-max of the last logits,
     * until {@code eosId} (which is included, as transformers' generate includes it; a negative id never stops) or
     * {@code maxNewTokens}. Returns the new tokens only.
     */
    public int[] generateGreedy(int[] promptIds, int maxNewTokens, int eosId) {
        try (Scope s = Scope.open()) {
            Tensor embeds = model.embedTokens().forward(Tensor.ofInts(promptIds, 1, promptIds.length));
            return generateGreedy(embeds, maxNewTokens, eosId);
        }
    }

    /** {@link #generateGreedy(int[], int, int)} from prompt embeddings [1, T, D] (e.g. text with image features). */
    public int[] generateGreedy(Tensor promptEmbeds, int maxNewTokens, int eosId) {
        if (promptEmbeds.rank() != 3 || promptEmbeds.shape()[0] != 1) {
            throw new IllegalArgumentException("generateGreedy: prompt embeddings " + promptEmbeds.describe() + " must be [1, T, D]");
        }
        int[] out = new int[maxNewTokens];
        int n = 0;
        KvCache[] cache = newCache();
        try (AutoCloseable ng = Autograd.noGrad()) {
            Tensor input = promptEmbeds;
            while (n < maxNewTokens) {
                int next;
                try (Scope step = Scope.open()) {
                    Tensor hidden = model.forward(input, null, null, cache);
                    int t = hidden.shape()[1];
                    next = argmax(head(hidden.slice(1, t - 1, t)).toFloatArray());
                }
                out[n++] = next;
                if (next == eosId) break;
                if (input != promptEmbeds) input.close();
                int token = next;
                input = Scope.unscoped(() -> {
                    try (Scope e = Scope.open()) {
                        return e.keep(model.embedTokens().forward(Tensor.ofInts(new int[] {token}, 1, 1)));
                    }
                });
            }
            if (input != promptEmbeds) input.close();
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        } finally {
            KvCache.closeAll(cache);
        }
        return Arrays.copyOf(out, n);
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** The parameter names in the order transformers lists them (for messages and tests). */
    public List<String> parameterNames() {
        return List.copyOf(namedParameters().keySet());
    }

}

package org.jtuner.models.clip;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.models.WeightLoader;
import org.jtuner.nn.LayerNorm;
import org.jtuner.nn.Module;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.models.ActivationCheckpointing;

/**
 * The CLIP vision tower, as transformers' {@code CLIPVisionModel} / {@code CLIPVisionTransformer}: embeddings,
 * {@code pre_layrnorm} (sic), the encoder layers, and {@code post_layernorm} on the pooled CLS token.
 *
 * <p>Parameter names are those of the transformers 5 checkpoint and of the tower inside LLaVA
 * ({@code embeddings.patch_embedding.weight}, {@code encoder.layers.0.self_attn.q_proj.weight},
 * {@code pre_layrnorm.weight}, ...); checkpoints with the older {@code vision_model.} prefix load through
 * {@link ClipKeys}.
 */
public final class ClipVisionModel extends Module {
    private boolean activationCheckpointing;
    private final ClipVisionConfig config;
    private final ClipVisionEmbeddings embeddings;
    private final LayerNorm preLayrnorm;
    private final ClipEncoder encoder;
    private final LayerNorm postLayernorm;
    private long forwardCount;

    public ClipVisionModel(ClipVisionConfig config, ClipVisionEmbeddings embeddings, LayerNorm preLayrnorm,
                           ClipEncoder encoder, LayerNorm postLayernorm) {
        if (encoder.layers().size() != config.numHiddenLayers()) {
            throw new IllegalArgumentException("CLIP vision tower: " + encoder.layers().size() + " layers, the config says "
                    + config.numHiddenLayers());
        }
        this.config = config;
        this.embeddings = registerChild("embeddings", embeddings);
        this.preLayrnorm = registerChild("pre_layrnorm", preLayrnorm);
        this.encoder = registerChild("encoder", encoder);
        this.postLayernorm = registerChild("post_layernorm", postLayernorm);
    }

    /** A tower with fresh weights (transformers' CLIP initialisation, initializer_factor 1, range 0.02). */
    public static ClipVisionModel create(ClipVisionConfig config, Random random) {
        return build(config, ParamInit.random(random));
    }

    /** A tower whose parameters are allocated but not initialised: for loading weights into. */
    public static ClipVisionModel allocate(ClipVisionConfig config) {
        return build(config, ParamInit.forLoading());
    }

    private static ClipVisionModel build(ClipVisionConfig config, ParamInit init) {
        int d = config.hiddenSize();
        double eps = config.layerNormEps();
        return new ClipVisionModel(config,
                ClipVisionEmbeddings.create(config, init),
                new LayerNorm(init.ones(d), init.zeros(d), eps),
                ClipEncoder.create(config, init),
                new LayerNorm(init.ones(d), init.zeros(d), eps));
    }

    /**
     * Loads a CLIP vision tower from a Hugging Face folder: a {@code clip_vision_model} config, or a full
     * {@code clip} config (its {@code vision_config}); weights under bare keys or {@code vision_model.*}; the text
     * tower's weights are skipped. Every vision weight must be there, in F32.
     */
    public static ClipVisionModel loadVisionTower(Path dir) throws IOException {
        return loadVisionTower(dir, false);
    }

    /**
     * {@link #loadVisionTower(Path)}; with {@code frozenHalfPrecision} every weight is frozen and BF16/F16 weights
     * stay in their dtype (XTuner's frozen visual encoder), otherwise all are F32 and trainable.
     */
    public static ClipVisionModel loadVisionTower(Path dir, boolean frozenHalfPrecision) throws IOException {
        ClipVisionConfig config = HfConfigs.load(dir, ClipVisionConfig.class);
        ClipVisionModel model = allocate(config);
        try {
            if (frozenHalfPrecision) freezeMatrices(model);
            WeightLoader.load(model, dir, ClipKeys.VISION_MODEL, WeightLoader.Options.strict()
                    .keepHalfPrecisionFrozen(frozenHalfPrecision).ignoreUnexpected(ClipKeys.NOT_VISION_TOWER));
            if (frozenHalfPrecision) model.setTrainable(false);
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Freezes the parameters of rank 2 and more, so that a load with {@code keepHalfPrecisionFrozen} keeps them in
     * their stored dtype while vectors (norm weights, biases, the class embedding) load as F32: {@code F.layerNorm}
     * takes F32 weights only, and vectors are a negligible share of the memory. Freeze the whole module after loading.
     */
    private static void freezeMatrices(Module module) {
        for (var p : module.namedParameters().values()) p.setTrainable(p.shape().length < 2);
    }

    public ClipVisionConfig config() {
        return config;
    }

    public ClipVisionEmbeddings embeddings() {
        return embeddings;
    }

    public LayerNorm preLayrnorm() {
        return preLayrnorm;
    }

    public ClipEncoder encoder() {
        return encoder;
    }

    public LayerNorm postLayernorm() {
        return postLayernorm;
    }

    public int numLayers() {
        return encoder.layers().size();
    }

    /** Recompute each encoder layer in backward instead of keeping its activations (training only). */
    public void setActivationCheckpointing(boolean on) {
        activationCheckpointing = on;
    }

    /** How many times this tower has run ({@link #forward} or {@link #hiddenStates}): for tests and logging. */
    public long forwardCount() {
        return forwardCount;
    }

    /** pixel_values [B, C, H, W] → every hidden state, the last hidden state and the pooled output. */
    public ClipVisionOutput forward(Tensor pixelValues) {
        List<Tensor> hidden = hiddenStates(pixelValues, numLayers());
        Tensor last = hidden.getLast();
        int[] s = last.shape();
        Tensor cls = last.slice(1, 0, 1).reshape(s[0], s[2]);   // [B, D]
        return new ClipVisionOutput(hidden, last, postLayernorm.forward(cls));
    }

    /**
     * The hidden states up to layer {@code layers} only (0 ≤ layers ≤ L): a list of {@code layers + 1} tensors
     * [B, N + 1, D], index 0 the embeddings after {@code pre_layrnorm}. Layers above are not run: LLaVA, which reads
     * layer -2, saves the last layer this way (its output would not reach the loss).
     */
    public List<Tensor> hiddenStates(Tensor pixelValues, int layers) {
        if (layers < 0 || layers > numLayers()) {
            throw new IllegalArgumentException("CLIP vision tower: asked for the hidden states up to layer " + layers
                    + ", the tower has " + numLayers());
        }
        forwardCount++;
        List<Tensor> hidden = new ArrayList<>(layers + 1);
        Tensor h = preLayrnorm.forward(embeddings.forward(pixelValues));
        hidden.add(h);
        for (int i = 0; i < layers; i++) {
            ClipEncoderLayer layer = encoder.layers().get(i);
            h = ActivationCheckpointing.applies(activationCheckpointing, layer, h)
                    ? Autograd.checkpoint(in -> layer.forward(in[0]), h) : layer.forward(h);
            hidden.add(h);
        }
        return hidden;
    }
}

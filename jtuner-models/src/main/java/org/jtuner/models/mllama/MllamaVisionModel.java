package org.jtuner.models.mllama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.MllamaVisionConfig;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.clip.ClipPatchEmbedding;
import org.jtuner.nn.LayerNorm;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * The tiled vision encoder of Llama-3.2-Vision, as transformers 4.47.1's {@code MllamaVisionModel}: patch conv →
 * gated pre-tile aspect-ratio embedding → CLS per tile → gated positional + tile-position embedding →
 * {@code layernorm_pre} → zero padding of each tile's tokens to a multiple of 8 → local layers over all tiles of an
 * image at once → {@code layernorm_post} → gated post-tile embedding → gated global layers → padding dropped, and
 * the chosen local hidden states appended channel-major (transformers' {@code torch.stack(..., dim=-1)}).
 *
 * <p>Field names are the checkpoint keys under {@code vision_model.}: {@code patch_embedding.weight},
 * {@code class_embedding}, {@code gated_positional_embedding.*}, {@code pre_tile_positional_embedding.*},
 * {@code post_tile_positional_embedding.*}, {@code layernorm_pre}, {@code layernorm_post},
 * {@code transformer.layers.*}, {@code global_transformer.layers.*}.
 */
public final class MllamaVisionModel extends Module {
    /** {@code nn.LayerNorm}'s default eps: layernorm_pre/post do not use norm_eps. */
    static final double TORCH_LAYER_NORM_EPS = 1e-5;

    /** Where the vision model's weights sit in an mllama checkpoint. */
    public static final String CHECKPOINT_PREFIX = "vision_model.";

    private final MllamaVisionConfig config;
    private final ClipPatchEmbedding patchEmbedding;
    private final Parameter classEmbedding;
    private final MllamaGatedPositionalEmbedding gatedPositionalEmbedding;
    private final MllamaAspectRatioEmbedding preTilePositionalEmbedding;
    private final MllamaAspectRatioEmbedding postTilePositionalEmbedding;
    private final LayerNorm layernormPre;
    private final LayerNorm layernormPost;
    private final MllamaVisionEncoder transformer;
    private final MllamaVisionEncoder globalTransformer;

    public MllamaVisionModel(MllamaVisionConfig config, Tensor patchWeight, Tensor classEmbedding,
                             MllamaGatedPositionalEmbedding gatedPositionalEmbedding,
                             MllamaAspectRatioEmbedding preTilePositionalEmbedding,
                             MllamaAspectRatioEmbedding postTilePositionalEmbedding,
                             LayerNorm layernormPre, LayerNorm layernormPost,
                             MllamaVisionEncoder transformer, MllamaVisionEncoder globalTransformer) {
        int d = config.hiddenSize(), p = config.patchSize();
        requireShape("patch_embedding.weight", patchWeight, d, config.numChannels(), p, p);
        requireShape("class_embedding", classEmbedding, d);
        if (transformer.layers().size() != config.numHiddenLayers()
                || globalTransformer.layers().size() != config.numGlobalLayers()) {
            throw new IllegalArgumentException("mllama vision model: " + transformer.layers().size() + " local and "
                    + globalTransformer.layers().size() + " global layers, the config says " + config.numHiddenLayers()
                    + " and " + config.numGlobalLayers());
        }
        this.config = config;
        // Registration order is the checkpoint module's.
        this.patchEmbedding = registerChild("patch_embedding", new ClipPatchEmbedding(patchWeight));
        this.classEmbedding = registerParameter("class_embedding", new Parameter(classEmbedding, true));
        this.gatedPositionalEmbedding = registerChild("gated_positional_embedding", gatedPositionalEmbedding);
        this.preTilePositionalEmbedding = registerChild("pre_tile_positional_embedding", preTilePositionalEmbedding);
        this.postTilePositionalEmbedding = registerChild("post_tile_positional_embedding", postTilePositionalEmbedding);
        this.layernormPre = registerChild("layernorm_pre", layernormPre);
        this.layernormPost = registerChild("layernorm_post", layernormPost);
        this.transformer = registerChild("transformer", transformer);
        this.globalTransformer = registerChild("global_transformer", globalTransformer);
    }

    /**
     * A model with fresh weights as transformers initialises them ({@code std}: the text config's
     * initializer_range, which mllama uses for every part).
     */
    public static MllamaVisionModel create(MllamaVisionConfig config, double std, Random random) {
        return build(config, MllamaInit.random(random, std));
    }

    /** A model whose parameters are allocated but not initialised: for loading weights into. */
    public static MllamaVisionModel allocate(MllamaVisionConfig config) {
        return build(config, MllamaInit.forLoading());
    }

    private static MllamaVisionModel build(MllamaVisionConfig c, MllamaInit init) {
        int d = c.hiddenSize(), p = c.patchSize();
        return new MllamaVisionModel(c, init.normal(d, c.numChannels(), p, p), init.normal(d),
                MllamaGatedPositionalEmbedding.create(c, init),
                MllamaAspectRatioEmbedding.create(c, init), MllamaAspectRatioEmbedding.create(c, init),
                new LayerNorm(init.ones(d), init.zeros(d), TORCH_LAYER_NORM_EPS),
                new LayerNorm(init.ones(d), init.zeros(d), TORCH_LAYER_NORM_EPS),
                MllamaVisionEncoder.create(c, c.numHiddenLayers(), false, init),
                MllamaVisionEncoder.create(c, c.numGlobalLayers(), true, init));
    }

    /**
     * The vision model of an mllama checkpoint folder: config.json's {@code vision_config} and the weights under
     * {@code vision_model.*} (the text model's and the projector's are skipped). Every vision weight must be there.
     */
    public static MllamaVisionModel load(Path dir) throws IOException {
        MllamaVisionConfig config = MllamaVisionConfig.fromMllamaConfig(HfConfigs.readJson(dir.resolve(HfConfigs.CONFIG_FILE)));
        MllamaVisionModel model = allocate(config);
        try {
            WeightLoader.load(model, dir, KeyMap.prefix(CHECKPOINT_PREFIX), WeightLoader.Options.strict()
                    .ignoreUnexpected("language_model\\..*", "multi_modal_projector\\..*"));
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public MllamaVisionConfig config() { return config; }
    public ClipPatchEmbedding patchEmbedding() { return patchEmbedding; }
    public Parameter classEmbedding() { return classEmbedding; }
    public MllamaGatedPositionalEmbedding gatedPositionalEmbedding() { return gatedPositionalEmbedding; }
    public MllamaAspectRatioEmbedding preTilePositionalEmbedding() { return preTilePositionalEmbedding; }
    public MllamaAspectRatioEmbedding postTilePositionalEmbedding() { return postTilePositionalEmbedding; }
    public LayerNorm layernormPre() { return layernormPre; }
    public LayerNorm layernormPost() { return layernormPost; }
    public MllamaVisionEncoder transformer() { return transformer; }
    public MllamaVisionEncoder globalTransformer() { return globalTransformer; }

    /** Recompute each local and global layer in backward instead of keeping its activations (training only). */
    public void setActivationCheckpointing(boolean on) {
        transformer.setActivationCheckpointing(on);
        globalTransformer.setActivationCheckpointing(on);
    }

    /**
     * pixel_values [B, M, tiles, C, H, W] (tiles = max_num_tiles), aspect_ratio_ids [B, M], aspect_ratio_mask
     * [B, M, tiles] (both I32) → the vision output [B, M, tiles, P, vision_output_dim], P = patches + 1.
     */
    public Tensor forward(Tensor pixelValues, Tensor aspectRatioIds, Tensor aspectRatioMask) {
        int[] s = pixelValues.shape();
        int tiles = config.maxNumTiles(), size = config.imageSize();
        if (s.length != 6 || s[2] != tiles || s[3] != config.numChannels() || s[4] != size || s[5] != size) {
            throw new IllegalArgumentException("mllama vision model: pixel_values " + pixelValues.describe()
                    + " must be [batch, images, " + tiles + ", " + config.numChannels() + ", " + size + ", " + size
                    + "] (max_num_tiles " + tiles + ", image_size " + size + "; use the mllama image processor)");
        }
        int b = s[0], m = s[1], n = b * m, d = config.hiddenSize();
        if (!Arrays.equals(aspectRatioIds.shape(), new int[] {b, m})
                || !Arrays.equals(aspectRatioMask.shape(), new int[] {b, m, tiles})) {
            throw new IllegalArgumentException("mllama vision model: aspect_ratio_ids " + aspectRatioIds.describe()
                    + " must be [" + b + ", " + m + "] and aspect_ratio_mask " + aspectRatioMask.describe() + " ["
                    + b + ", " + m + ", " + tiles + "] for pixel_values " + pixelValues.describe());
        }
        Tensor ids = aspectRatioIds.reshape(n);
        int[] idValues = ids.toIntArray();
        for (int i = 0; i < n; i++) {
            if (idValues[i] < 0 || idValues[i] > config.maxAspectRatioId()) {
                throw new IllegalArgumentException("mllama vision model: aspect_ratio_id " + idValues[i] + " of image "
                        + i + " is outside 0.." + config.maxAspectRatioId());
            }
        }
        Tensor pixels = pixelValues.dtype() == DType.F32 ? pixelValues : pixelValues.to(DType.F32);
        Tensor h = patchEmbedding.forward(pixels.reshape(n * tiles, s[3], size, size));      // [N·tiles, patches, D]
        int patches = h.shape()[1], tokens = patches + 1, padded = config.paddedTokensPerTile();
        h = preTilePositionalEmbedding.forward(h.reshape(n, tiles, patches, d), ids);
        Tensor cls = Ops.expand(classEmbedding.value().reshape(1, 1, d), n * tiles, 1, d);
        h = Ops.concat(1, cls, h.reshape(n * tiles, patches, d));                            // [N·tiles, P, D]
        h = gatedPositionalEmbedding.forward(h.reshape(n, tiles, tokens, d), ids);
        h = layernormPre.forward(h);
        if (padded > tokens) {
            h = Ops.concat(2, h, Tensor.zeros(h.device(), DType.F32, n, tiles, padded - tokens, d));
        }
        Tensor mask = encoderMask(aspectRatioMask, n, tiles, tokens, padded, h);
        List<Tensor> local = transformer.hiddenStates(h.reshape(n, tiles * padded, d), mask);
        h = layernormPost.forward(local.getLast());
        h = postTilePositionalEmbedding.forward(h.reshape(n, tiles, padded, d), ids);
        List<Tensor> global = globalTransformer.hiddenStates(h.reshape(n, tiles * padded, d), mask);
        Tensor out = global.getLast().reshape(n, tiles, padded, d).slice(2, 0, tokens);

        List<Integer> chosen = config.resolvedIntermediateLayers();
        List<Tensor> columns = new ArrayList<>(chosen.size() + 1);
        for (int i : chosen) columns.add(local.get(i).reshape(n, tiles * padded, d, 1));
        // Stacked on a new last axis, then flattened: column c·k + j is channel c of the j-th chosen layer.
        Tensor inter = Ops.concat(3, columns.toArray(Tensor[]::new))
                .reshape(n, tiles, padded, d * chosen.size()).slice(2, 0, tokens);
        return Ops.concat(3, out, inter).reshape(b, m, tiles, tokens, config.visionOutputDim());
    }

    /**
     * transformers' {@code _prepare_aspect_ratio_attention_mask}: [N, 1, T, T] with finfo.min where both the query
     * and the key are padding (a padded token, or any token of a tile beyond aspect_ratio_mask), 0 elsewhere; real
     * tokens do attend to padding.
     */
    private static Tensor encoderMask(Tensor aspectRatioMask, int n, int tiles, int tokens, int padded, Tensor like) {
        int[] tileOn = aspectRatioMask.toIntArray();
        int t = tiles * padded;
        boolean[] pad = new boolean[n * t];
        for (int i = 0; i < n; i++) {
            for (int tile = 0; tile < tiles; tile++) {
                for (int p = 0; p < padded; p++) pad[i * t + tile * padded + p] = tileOn[i * tiles + tile] == 0 || p >= tokens;
            }
        }
        float[] m = new float[n * t * t];
        for (int i = 0; i < n; i++) {
            for (int q = 0; q < t; q++) {
                if (!pad[i * t + q]) continue;
                for (int k = 0; k < t; k++) if (pad[i * t + k]) m[(i * t + q) * t + k] = -Float.MAX_VALUE;
            }
        }
        return Tensor.of(like.device(), m, n, 1, t, t);
    }

    static void requireShape(String name, Tensor t, int... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("mllama vision model: " + name + " is " + t.describe()
                    + ", the config needs " + Arrays.toString(shape));
        }
    }
}

package org.jtuner.models.mllama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.WeightSource;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.nn.Init;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Tensor;

/**
 * Llama-3.2-Vision (transformers 4.47.1's MllamaForConditionalGeneration): the tiled vision encoder
 * ({@code vision_model}), the projector ({@code multi_modal_projector}, one linear layer from vision_output_dim to
 * the text hidden size) and the text model with its head ({@code language_model}). Parameter names are the
 * checkpoint keys of the hub layout ({@code vision_model.*}, {@code language_model.model.*},
 * {@code language_model.lm_head.weight}, {@code multi_modal_projector.*}), which are also 4.47's in-memory names.
 *
 * <p>Without a vision model (a text-side model, {@code null}), {@link #forwardFromVisionOutput} takes the vision
 * model's output directly.
 */
public final class MllamaForConditionalGeneration extends Module {
    private final MllamaConfig config;
    private final MllamaVisionModel visionModel; // may be null
    private final MllamaForCausalLM languageModel;
    private final Linear multiModalProjector;

    /**
     * @param visionModel the vision encoder (registered as {@code vision_model}), or null for a model without one
     * @param random      fresh weights as transformers initialises them, or null for placeholders to load into
     */
    public MllamaForConditionalGeneration(MllamaConfig config, MllamaVisionModel visionModel, Random random) {
        this.config = config;
        this.visionModel = visionModel;
        if (visionModel != null) registerChild("vision_model", visionModel);
        languageModel = registerChild("language_model", new MllamaForCausalLM(config.textConfig(), random));
        int in = config.visionOutputDim(), out = config.textConfig().hiddenSize();
        multiModalProjector = registerChild("multi_modal_projector", random == null
                ? new Linear(org.jtuner.models.llama.LlamaModel.placeholder(out, in), org.jtuner.models.llama.LlamaModel.placeholder(out))
                : new Linear(Init.normal(random, org.jtuner.models.llama.LlamaModel.initializerRange(config.textConfig().llama()), out, in),
                        Init.zeros(out)));
    }

    /**
     * A model folder as the hub lays it out (config.json, model.safetensors or shards); with
     * {@code frozenHalfPrecision} every weight is frozen and BF16/F16 weights stay in their dtype.
     */
    public static MllamaForConditionalGeneration load(Path dir, boolean frozenHalfPrecision) throws IOException {
        MllamaConfig config = MllamaConfig.load(dir);
        MllamaForConditionalGeneration m = new MllamaForConditionalGeneration(config, MllamaVisionModel.allocate(config.visionConfig()), null);
        try {
            m.loadWeights(dir, frozenHalfPrecision);
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** Fresh weights as transformers initialises them (every std = text_config.initializer_range; gates 0). */
    public static MllamaForConditionalGeneration create(MllamaConfig config, Random random) {
        double std = org.jtuner.models.llama.LlamaModel.initializerRange(config.textConfig().llama());
        return new MllamaForConditionalGeneration(config, MllamaVisionModel.create(config.visionConfig(), std, random), random);
    }

    public MllamaConfig config() { return config; }
    public MllamaVisionModel visionModel() { return visionModel; }
    public MllamaForCausalLM languageModel() { return languageModel; }
    public Linear multiModalProjector() { return multiModalProjector; }

    /** Loads this model's weights from a checkpoint in the hub layout (strict: every key used, every weight found). */
    public WeightLoader.LoadReport loadWeights(WeightSource checkpoint, WeightLoader.Options options) {
        if (visionModel == null) options = options.ignoreUnexpected("vision_model\\..*");
        return WeightLoader.load(this, checkpoint, KeyMap.identity(), options);
    }

    /**
     * Loads the weights of a model folder (one file or shards); with {@code frozenHalfPrecision} every weight is
     * frozen, BF16/F16 matrices and tables stay in their dtype, and vectors (norms, biases, gates, the class
     * embedding) load as F32, as {@link MllamaVisionModel#load(Path, boolean)} keeps them: the vision model's gates
     * go through tanh in F32.
     */
    public void loadWeights(Path dir, boolean frozenHalfPrecision) throws IOException {
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir)) {
            // Only frozen parameters keep their stored dtype; vectors stay trainable (F32) until the load is done.
            if (frozenHalfPrecision) for (Parameter p : namedParameters().values()) p.setTrainable(p.shape().length < 2);
            loadWeights(WeightSource.of(checkpoint), WeightLoader.Options.strict().keepHalfPrecisionFrozen(frozenHalfPrecision));
            if (frozenHalfPrecision) setTrainable(false);
        }
    }

    /** Writes config.json and the weights (without LoRA adapters) in the hub layout, as save_pretrained does. */
    public void save(Path dir) throws IOException {
        save(dir, WeightSaver.DEFAULT_MAX_SHARD_BYTES);
    }

    /** {@link #save(Path)} with shards of at most {@code maxShardBytes} (and an index) past that size. */
    public void save(Path dir, long maxShardBytes) throws IOException {
        save(dir, maxShardBytes, null);
    }

    /**
     * {@link #save(Path, long)} with every weight stored as {@code dtype} ("F32", "BF16" or "F16"; null keeps each
     * parameter's dtype); config.json's {@code torch_dtype} then names it, as save_pretrained writes it.
     */
    public void save(Path dir, long maxShardBytes, String dtype) throws IOException {
        if (visionModel == null) {
            throw new IllegalStateException("this model has no vision encoder; a saved folder would lack vision_model.*");
        }
        Files.createDirectories(dir);
        com.fasterxml.jackson.databind.node.ObjectNode json = config.raw();
        if (dtype != null) json.put("torch_dtype", TORCH_DTYPES.get(dtype));
        HfConfigs.write(dir.resolve(HfConfigs.CONFIG_FILE), json);
        ShardedCheckpoint.write(dir, WeightSaver.stateDict(this, KeyMap.identity(),
                n -> !n.contains(".lora_A.") && !n.contains(".lora_B."), dtype), java.util.Map.of("format", "pt"),
                maxShardBytes);
    }

    private static final java.util.Map<String, String> TORCH_DTYPES =
            java.util.Map.of("F32", "float32", "BF16", "bfloat16", "F16", "float16");

    /**
     * The projector over the vision encoder's output [B, images, tiles, tokens, vision_output_dim]: the text model's
     * cross-attention states [B, images·tiles·tokens, D].
     */
    public Tensor crossAttentionStates(Tensor visionOutput) {
        int[] s = visionOutput.shape();
        if (s.length != 5 || s[4] != config.visionOutputDim()) {
            throw new IllegalArgumentException("vision output " + visionOutput.describe() + " must be [batch, images, "
                    + "tiles, tokens, " + config.visionOutputDim() + "]");
        }
        return multiModalProjector.forward(visionOutput).reshape(s[0], s[1] * s[2] * s[3], config.textConfig().hiddenSize());
    }

    /**
     * The cross-attention states [B, images·tiles·tokens, D] of pixel_values [B, images, tiles, 3, H, W]: the vision
     * encoder, then the projector (what generation computes once per prompt).
     */
    public Tensor crossAttentionStates(Tensor pixelValues, Tensor aspectRatioIds, Tensor aspectRatioMask) {
        if (visionModel == null) throw new IllegalStateException("this model has no vision encoder");
        return crossAttentionStates(visionModel.forward(pixelValues, aspectRatioIds, aspectRatioMask));
    }

    /**
     * The full forward: pixel_values [B, images, tiles, 3, H, W], aspect_ratio_ids I32 [B, images],
     * aspect_ratio_mask I32 [B, images, tiles], cross_attention_mask [B, T, images, tiles]; with null pixel_values a
     * text-only forward (the cross-attention layers are skipped). Returns logits [B, T, vocab].
     */
    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor pixelValues, Tensor aspectRatioIds,
                          Tensor aspectRatioMask, Tensor crossAttentionMask) {
        if (pixelValues == null) return forwardFromVisionOutput(inputIds, attentionMask, null, crossAttentionMask);
        if (visionModel == null) throw new IllegalStateException("this model has no vision encoder");
        if (aspectRatioIds == null) throw new IllegalArgumentException("aspect_ratio_ids must be given with pixel_values");
        Tensor visionOutput = visionModel.forward(pixelValues, aspectRatioIds, aspectRatioMask);
        return forwardFromVisionOutput(inputIds, attentionMask, visionOutput, crossAttentionMask);
    }

    /** As {@link #forward}, from the vision encoder's output [B, images, tiles, tokens, vision_output_dim] (or null). */
    public Tensor forwardFromVisionOutput(Tensor inputIds, Tensor attentionMask, Tensor visionOutput, Tensor crossAttentionMask) {
        Tensor vision = visionOutput == null ? null : crossAttentionStates(visionOutput);
        MllamaCrossAttentionMask xmask = crossAttentionMask == null ? null
                : MllamaCrossAttentionMask.of(crossAttentionMask, config.tokensPerTile());
        if (vision != null && xmask != null && xmask.additive().shape()[3] != vision.shape()[1]) {
            throw new IllegalArgumentException("cross_attention_mask " + crossAttentionMask.describe() + " covers "
                    + xmask.additive().shape()[3] + " vision tokens, the images give " + vision.shape()[1]);
        }
        if (inputIds.dtype() != DType.I32) throw new IllegalArgumentException("input_ids must be I32, got " + inputIds.describe());
        return languageModel.forward(inputIds, attentionMask, vision, vision == null ? null : xmask);
    }

    /** transformers' causal-LM loss (labels -100 ignored). */
    public static Tensor loss(Tensor logits, Tensor labels) {
        return LlamaForCausalLM.causalLmLoss(logits, labels);
    }
}

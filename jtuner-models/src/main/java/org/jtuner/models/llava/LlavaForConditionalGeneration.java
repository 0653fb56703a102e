package org.jtuner.models.llava;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.LlamaConfig;
import org.jtuner.io.config.LlavaConfig;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.WeightSource;
import org.jtuner.models.clip.ClipVisionModel;
import org.jtuner.models.llama.LlamaCheckpoints;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.nn.Module;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * LLaVA as transformers 5's {@code LlavaForConditionalGeneration}: a CLIP vision tower, a multimodal projector and a
 * Llama-family language model. The image's patch features (hidden states of {@code vision_feature_layer}, several
 * layers concatenated along the features, the CLS token dropped by the {@code default} strategy, kept by
 * {@code full}) go through the projector and take the place of the {@code image_token_index} tokens of
 * {@code input_ids}, which must already be expanded to one token per feature row.
 *
 * <p>Parameter names are transformers 5's in-memory names: {@code model.vision_tower.*},
 * {@code model.multi_modal_projector.*}, {@code model.language_model.*} and {@code lm_head.weight}. Checkpoints in
 * the other layouts load through {@link LlavaKeys}.
 *
 * <pre>{@code
 * var llava = LlavaForConditionalGeneration.load(Path.of("llava-1.5-7b-hf"));      // a full LLaVA checkpoint
 * var fresh = LlavaForConditionalGeneration.assemble(llmDir, clipDir, 2,             // XTuner's way
 *         List.of(-2), "default", LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX, true, new Random(0));
 * Tensor logits = llava.forward(inputIds, attentionMask, pixelValues);               // [B, T, V]
 * Tensor loss = LlavaForConditionalGeneration.loss(logits, labels);
 * }</pre>
 */
public final class LlavaForConditionalGeneration extends Module {
    /** The placeholder id XTuner (and the original LLaVA code) put in input_ids for an image: outside the vocabulary. */
    public static final int XTUNER_IMAGE_TOKEN_INDEX = -200;

    /** transformers' {@code LlavaModel}: the three parts under {@code model.}, in its registration order. */
    private static final class LlavaModel extends Module {
        LlavaModel(ClipVisionModel visionTower, LlavaMultiModalProjector projector, Module languageModel) {
            registerChild("vision_tower", visionTower);
            registerChild("multi_modal_projector", projector);
            registerChild("language_model", languageModel);
        }
    }

    private final LlavaConfig config;
    private final ClipVisionModel visionTower;
    private final LlavaMultiModalProjector projector;
    private final LlamaForCausalLM languageModel;
    private final int[] featureLayers;   // indices into the tower's hidden states (0 = embeddings), non-negative
    private final boolean dropCls;

    /**
     * Composes the parts. The config says which layers feed the projector, the select strategy and the image token;
     * the parts must agree with it (projector width = tower width × feature layers, projector output = LLM width).
     */
    public LlavaForConditionalGeneration(LlavaConfig config, ClipVisionModel visionTower,
                                         LlavaMultiModalProjector projector, LlamaForCausalLM languageModel) {
        this.config = config;
        this.visionTower = visionTower;
        this.projector = projector;
        this.languageModel = languageModel;
        int layers = visionTower.numLayers();
        List<Integer> wanted = config.visionFeatureLayers();
        this.featureLayers = new int[wanted.size()];
        for (int i = 0; i < featureLayers.length; i++) {
            int l = wanted.get(i);
            int index = l < 0 ? layers + 1 + l : l;
            if (index < 0 || index > layers) {
                throw new IllegalArgumentException("LLaVA: vision_feature_layer " + l + " is outside the tower's "
                        + (layers + 1) + " hidden states (-" + (layers + 1) + " .. " + layers + ")");
            }
            featureLayers[i] = index;
        }
        this.dropCls = config.dropsClsToken();
        int featureWidth = visionTower.config().hiddenSize() * featureLayers.length;
        if (projector.inFeatures() != featureWidth) {
            throw new IllegalArgumentException("LLaVA: the projector takes " + projector.inFeatures() + " features, the "
                    + "vision tower gives " + featureWidth + " (hidden size " + visionTower.config().hiddenSize() + " × "
                    + featureLayers.length + " feature layer(s))");
        }
        int llmWidth = languageModel.config().hiddenSize();
        if (projector.outFeatures() != llmWidth) {
            throw new IllegalArgumentException("LLaVA: the projector gives " + projector.outFeatures()
                    + " features, the language model's hidden size is " + llmWidth);
        }
        registerChild("model", new LlavaModel(visionTower, projector, languageModel.model()));
        if (languageModel.lmHead() != null) registerChild("lm_head", languageModel.lmHead());
    }

    // ---------------------------------------------------------------- construction

    /** Fresh weights everywhere, from a LLaVA config (tests, and tiny demo models). */
    public static LlavaForConditionalGeneration create(LlavaConfig config, Random random) {
        LlamaForCausalLM llm = LlamaForCausalLM.create(config.textConfig(), random);
        ClipVisionModel tower = ClipVisionModel.create(config.visionConfig(), random);
        LlavaMultiModalProjector projector = LlavaMultiModalProjector.create(
                config.visionConfig().hiddenSize() * config.visionFeatureLayers().size(), config.textConfig().hiddenSize(),
                2, config.projectorHiddenAct(), config.multimodalProjectorBias(), random);
        return compose(config, tower, projector, llm);
    }

    /** A full LLaVA checkpoint folder (any layout {@link LlavaKeys} knows), every weight F32 and trainable. */
    public static LlavaForConditionalGeneration load(Path dir) throws IOException {
        return load(dir, false);
    }

    /**
     * A full LLaVA checkpoint folder. With {@code freezeBackbone} the vision tower and the language model are frozen
     * and their BF16/F16 weight matrices stay as stored (vectors, norms included, become F32), the projector F32 and
     * trainable (XTuner's pretraining setup); otherwise every weight is F32 and trainable.
     */
    public static LlavaForConditionalGeneration load(Path dir, boolean freezeBackbone) throws IOException {
        LlavaConfig config = HfConfigs.load(dir, LlavaConfig.class);
        if (config.textConfig().modelType().equals("internlm2")) {
            throw new IllegalArgumentException(dir + ": a LLaVA checkpoint with an internlm2 language model is not "
                    + "supported; assemble it from the LLM and vision folders instead (assemble)");
        }
        LlamaForCausalLM llm = allocateLanguageModel(config.textConfig());
        ClipVisionModel tower = ClipVisionModel.allocate(config.visionConfig());
        LlavaMultiModalProjector projector = LlavaMultiModalProjector.create(
                config.visionConfig().hiddenSize() * config.visionFeatureLayers().size(), config.textConfig().hiddenSize(),
                2, config.projectorHiddenAct(), config.multimodalProjectorBias(), new Random(0));
        LlavaForConditionalGeneration model = compose(config, tower, projector, llm);
        try {
            if (freezeBackbone) {
                freezeMatrices(tower);
                freezeMatrices(llm);
            }
            WeightLoader.Options options = WeightLoader.Options.strict().keepHalfPrecisionFrozen(freezeBackbone);
            WeightLoader.load(model, dir, LlavaKeys.CHECKPOINT, LlavaKeys.options(config, options));
            if (freezeBackbone) {
                tower.setTrainable(false);
                llm.setTrainable(false);
            }
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * XTuner's assembly: the language model from {@code llmDir} (llama, mistral, qwen2, internlm2), the CLIP vision
     * tower from {@code visionDir} ({@code clip_vision_model} or {@code clip}), and a fresh projector of
     * {@code projectorDepth} linears with GELU between them (2 = {@code mlp2x_gelu}), initialised as torch.nn.Linear.
     * With {@code freezeBackbone} the language model and the tower are frozen and keep BF16/F16 weights as stored;
     * the projector is always F32 and trainable.
     *
     * @param featureLayers   the vision layers whose hidden states feed the projector (XTuner: -2)
     * @param selectStrategy  "default" (drop CLS, as XTuner) or "full"
     * @param imageTokenIndex the id marking image positions in input_ids ({@link #XTUNER_IMAGE_TOKEN_INDEX}, or a
     *                        tokenizer's {@code <image>} id)
     */
    public static LlavaForConditionalGeneration assemble(Path llmDir, Path visionDir, int projectorDepth,
                                                         List<Integer> featureLayers, String selectStrategy,
                                                         int imageTokenIndex, boolean freezeBackbone, Random random)
            throws IOException {
        LlamaForCausalLM llm = freezeBackbone ? loadFrozenLanguageModel(llmDir) : LlamaForCausalLM.load(llmDir);
        ClipVisionModel tower = null;
        LlavaMultiModalProjector projector = null;
        try {
            tower = ClipVisionModel.loadVisionTower(visionDir, freezeBackbone);
            LlavaConfig config = assembledConfig(llm.config(), tower.config(), featureLayers, selectStrategy,
                    imageTokenIndex, "gelu");
            projector = LlavaMultiModalProjector.create(tower.config().hiddenSize() * featureLayers.size(),
                    llm.config().hiddenSize(), projectorDepth, config.projectorHiddenAct(), true, random);
            return compose(config, tower, projector, llm);
        } catch (IOException | RuntimeException e) {
            llm.close();
            if (tower != null) tower.close();
            if (projector != null) projector.close();
            throw e;
        }
    }

    /**
     * {@link #assemble(Path, Path, int, List, String, int, boolean, Random)} with XTuner's LLaVA defaults:
     * mlp2x_gelu, layer -2, CLS dropped, image token -200; every weight F32 and trainable.
     */
    public static LlavaForConditionalGeneration assemble(Path llmDir, Path visionDir, Random random) throws IOException {
        return assemble(llmDir, visionDir, 2, List.of(-2), "default", XTUNER_IMAGE_TOKEN_INDEX, false, random);
    }

    /** The constructor, closing the parts when they do not fit together. */
    private static LlavaForConditionalGeneration compose(LlavaConfig config, ClipVisionModel tower,
                                                         LlavaMultiModalProjector projector, LlamaForCausalLM llm) {
        try {
            return new LlavaForConditionalGeneration(config, tower, projector, llm);
        } catch (RuntimeException e) {
            tower.close();
            projector.close();
            llm.close();
            throw e;
        }
    }

    /** The LlavaConfig an assembled model is described by (what a saved HF checkpoint's config.json would say). */
    static LlavaConfig assembledConfig(LlamaConfig text, ClipVisionConfig vision, List<Integer> featureLayers,
                                       String selectStrategy, int imageTokenIndex, String projectorAct) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode json = f.objectNode();
        json.putArray("architectures").add("LlavaForConditionalGeneration");
        json.put("model_type", LlavaConfig.MODEL_TYPE);
        json.set("text_config", text.raw());
        ObjectNode v = f.objectNode()
                .put("model_type", ClipVisionConfig.MODEL_TYPE)
                .put("hidden_size", vision.hiddenSize())
                .put("intermediate_size", vision.intermediateSize())
                .put("num_hidden_layers", vision.numHiddenLayers())
                .put("num_attention_heads", vision.numAttentionHeads())
                .put("image_size", vision.imageSize())
                .put("patch_size", vision.patchSize())
                .put("num_channels", vision.numChannels())
                .put("hidden_act", vision.hiddenAct())
                .put("layer_norm_eps", vision.layerNormEps())
                .put("projection_dim", vision.projectionDim());
        json.set("vision_config", v);
        json.put("image_token_index", imageTokenIndex);
        json.put("projector_hidden_act", projectorAct);
        if (featureLayers.size() == 1) {
            json.put("vision_feature_layer", featureLayers.getFirst());
        } else {
            ArrayNode layers = json.putArray("vision_feature_layer");
            featureLayers.forEach(layers::add);
        }
        json.put("vision_feature_select_strategy", selectStrategy);
        json.put("image_seq_length", vision.numPatches() + (selectStrategy.equals("full") ? 1 : 0));
        json.put("multimodal_projector_bias", true);
        json.put("tie_word_embeddings", text.tieWordEmbeddings());
        return LlavaConfig.fromJson(json);
    }

    /**
     * A language model whose weights are allocated, not drawn, for a checkpoint to fill. Relies on
     * {@code LlamaForCausalLM.create(config, null)} allocating placeholders (what its own {@code load} does).
     */
    private static LlamaForCausalLM allocateLanguageModel(LlamaConfig config) {
        return LlamaForCausalLM.create(config, null);
    }

    /**
     * {@code LlamaForCausalLM.load(dir, true)}, except that vectors (norm weights, biases) load as F32: its load keeps
     * the RMSNorm weights BF16 too, which {@code F.rmsNorm} rejects.
     */
    private static LlamaForCausalLM loadFrozenLanguageModel(Path dir) throws IOException {
        LlamaConfig config = HfConfigs.load(dir, LlamaConfig.class);
        LlamaForCausalLM llm = allocateLanguageModel(config);
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir)) {
            freezeMatrices(llm);
            llm.loadWeights(WeightSource.of(checkpoint), LlamaCheckpoints.options(config).keepHalfPrecisionFrozen(true));
            llm.setTrainable(false);
            return llm;
        } catch (IOException | RuntimeException e) {
            llm.close();
            throw e;
        }
    }

    /**
     * Freezes the parameters of rank 2 and more, so that a load with {@code keepHalfPrecisionFrozen} keeps the
     * matrices in their stored dtype while vectors (norm weights, biases) load as F32: {@code F.layerNorm} and
     * {@code F.rmsNorm} take F32 weights only, and vectors are a negligible share of the memory. The caller freezes
     * the whole module after loading.
     */
    private static void freezeMatrices(Module module) {
        for (var p : module.namedParameters().values()) p.setTrainable(p.shape().length < 2);
    }

    // ---------------------------------------------------------------- parts

    public LlavaConfig config() {
        return config;
    }

    public ClipVisionModel visionTower() {
        return visionTower;
    }

    public LlavaMultiModalProjector projector() {
        return projector;
    }

    public LlamaForCausalLM languageModel() {
        return languageModel;
    }

    /** Activation checkpointing per decoder layer and per vision encoder layer (for the layers that train). */
    public void setActivationCheckpointing(boolean on) {
        languageModel.model().setActivationCheckpointing(on);
        visionTower.setActivationCheckpointing(on);
    }

    public int imageTokenIndex() {
        return config.imageTokenIndex();
    }

    /** Feature rows (image tokens) each image gives: patches, plus the CLS token under "full". */
    public int tokensPerImage() {
        return visionTower.config().numPatches() + (dropCls ? 0 : 1);
    }

    // ---------------------------------------------------------------- forward

    /**
     * The projected features of images: pixel_values [N, C, H, W] → [N, P, D] (P = {@link #tokensPerImage}, D the
     * LLM's hidden size). The tower runs only up to the deepest feature layer.
     */
    public Tensor imageFeatures(Tensor pixelValues) {
        int deepest = 0;
        for (int l : featureLayers) deepest = Math.max(deepest, l);
        List<Tensor> hidden = visionTower.hiddenStates(pixelValues, deepest);
        Tensor[] picked = new Tensor[featureLayers.length];
        for (int i = 0; i < featureLayers.length; i++) {
            Tensor h = hidden.get(featureLayers[i]);                 // [N, 1 + patches, Dv]
            picked[i] = dropCls ? h.slice(1, 1, h.shape()[1]) : h;
        }
        Tensor features = picked.length == 1 ? picked[0] : Ops.concat(2, picked);
        return projector.forward(features);
    }

    /**
     * inputIds I32 [B, T] (image positions hold {@link #imageTokenIndex}, one per feature row); attentionMask I32
     * [B, T] (1 = real token) or null; pixelValues [N, C, H, W] with every image of the batch in the order its image
     * tokens appear (row by row), or null when no sample has an image: then the vision tower does not run. Returns
     * logits [B, T, V].
     *
     * @throws IllegalArgumentException when the image tokens and the image features do not match in number
     */
    public Tensor forward(Tensor inputIds, Tensor attentionMask, Tensor pixelValues) {
        return languageModel.forward(inputsEmbeds(inputIds, pixelValues), attentionMask, null);
    }

    /**
     * The language model's input: token embeddings with the image features put at the image token positions
     * ([B, T, D]). The features fill the positions in order, as transformers' {@code masked_scatter} does.
     */
    public Tensor inputsEmbeds(Tensor inputIds, Tensor pixelValues) {
        if (inputIds.rank() != 2 || inputIds.dtype() != DType.I32) {
            throw new IllegalArgumentException("LLaVA: input_ids must be I32 [B, T], got " + inputIds.describe());
        }
        int[] shape = inputIds.shape();
        int[] ids = inputIds.toIntArray();
        int imageToken = config.imageTokenIndex();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == imageToken) {
                positions.add(i);
                ids[i] = 0; // the row is replaced; 0 keeps an out-of-vocabulary placeholder (XTuner's -200) legal
            }
        }
        if (pixelValues == null) {
            if (!positions.isEmpty()) {
                throw new IllegalArgumentException("LLaVA: input_ids hold " + positions.size() + " image tokens (id "
                        + imageToken + ") but no pixel_values were given");
            }
            return languageModel.embedTokens().forward(inputIds);
        }
        int images = pixelValues.shape()[0], perImage = tokensPerImage();
        long featureRows = (long) images * perImage;
        if (featureRows != positions.size()) { // checked before the tower runs
            throw new IllegalArgumentException("LLaVA: image features and image tokens do not match: input_ids hold "
                    + positions.size() + " image tokens (id " + imageToken + "), the " + images + " image(s) give "
                    + featureRows + " feature rows (" + perImage + " each); expand every <image> to " + perImage
                    + " image tokens and pass one image per <image>");
        }
        Tensor embeds = languageModel.embedTokens().forward(Tensor.ofInts(inputIds.device(), ids, shape));
        Tensor features = imageFeatures(pixelValues);                       // [N, P, D]
        int[] fs = features.shape();
        int d = fs[2];
        int[] rows = positions.stream().mapToInt(Integer::intValue).toArray();
        Tensor flat = embeds.reshape(shape[0] * shape[1], d);
        Tensor merged = Ops.scatterRows(flat, Tensor.ofInts(inputIds.device(), rows, rows.length),
                features.reshape(fs[0] * fs[1], d));
        return merged.reshape(shape[0], shape[1], d);
    }

    /**
     * transformers' causal LM loss: position t predicts label t + 1 (labels I32 [B, T], -100 = ignored), the mean
     * cross-entropy over the labels not ignored.
     */
    public static Tensor loss(Tensor logits, Tensor labels) {
        return LlamaForCausalLM.causalLmLoss(logits, labels);
    }

    /**
     * The training loss of a batch: {@code loss(forward(inputIds, attentionMask, pixelValues), labels)}, the same
     * value and gradients, with the LM head run only at the positions that predict a label (see
     * {@link LlamaForCausalLM#causalLmLossFromHidden}): the image and prompt tokens get no logits.
     */
    public Tensor trainingLoss(Tensor inputIds, Tensor attentionMask, Tensor pixelValues, Tensor labels) {
        Tensor hidden = languageModel.model().forward(inputsEmbeds(inputIds, pixelValues), attentionMask, null, null);
        return languageModel.causalLmLossFromHidden(hidden, labels);
    }
}

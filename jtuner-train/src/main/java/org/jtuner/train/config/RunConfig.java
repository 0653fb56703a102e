package org.jtuner.train.config;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.nn.optim.LrSchedule;

/**
 * One training run, as its YAML file describes it. Every section has defaults (XTuner's, where it has one), so
 * a config names only what differs. {@code data} is bound by the data layer's own config class.
 */
public record RunConfig(String name, ModelConfig model, JsonNode data, OptimConfig optim, TrainSection train,
                        CheckpointConfig checkpoint, LoggingConfig logging, EvaluationConfig evaluation) {

    public RunConfig {
        model = model == null ? new ModelConfig(null, null, null, null, null, null, null, null, null, null, null, null, null) : model;
        optim = optim == null ? new OptimConfig(null, null, null, null, null, null, null, null, null, null, null, null) : optim;
        train = train == null ? new TrainSection(null, null, null, null, null, null) : train;
        checkpoint = checkpoint == null ? new CheckpointConfig(null, null) : checkpoint;
        logging = logging == null ? new LoggingConfig(null, null) : logging;
        evaluation = evaluation == null ? new EvaluationConfig(null, null, null, null, null, null) : evaluation;
    }

    /** Binds a resolved config tree (see {@link ConfigFiles#load}); unknown keys are errors. */
    public static RunConfig bind(ObjectNode tree, String where) {
        return StrictBinding.bind(tree, RunConfig.class, where);
    }

    /**
     * What the model is made of and what trains. Either {@code llava}, or {@code llm} + {@code vision_encoder}, or
     * {@code mllama} (a Llama-3.2-Vision folder: its vision model, projector and language model each freeze or train
     * by {@code freeze_visual_encoder}, {@code freeze_projector}, {@code freeze_llm}). LLaVA's projector always trains.
     */
    public record ModelConfig(String llava, String llm, String visionEncoder, Integer projectorDepth,
                              List<Integer> visionFeatureLayer, String visionFeatureSelect, Boolean freezeLlm,
                              Boolean freezeVisualEncoder, LoraConfig llmLora, LoraConfig visualEncoderLora,
                              String pretrainedPth, String mllama, Boolean freezeProjector) {
        public ModelConfig {
            freezeProjector = freezeProjector != null && freezeProjector;
            if (mllama != null && (llava != null || llm != null || visionEncoder != null)) {
                throw new IllegalArgumentException("model.mllama names a whole Llama-3.2-Vision folder: leave model.llava, "
                        + "model.llm and model.vision_encoder unset (null), got llava=" + llava + ", llm=" + llm
                        + ", vision_encoder=" + visionEncoder);
            }
            if (mllama == null && freezeProjector) {
                throw new IllegalArgumentException("model.freeze_projector applies to mllama models; LLaVA's projector always trains");
            }
            projectorDepth = projectorDepth == null ? 2 : projectorDepth;
            visionFeatureLayer = visionFeatureLayer == null ? List.of(-2) : List.copyOf(visionFeatureLayer);
            visionFeatureSelect = visionFeatureSelect == null ? "default" : visionFeatureSelect;
            freezeLlm = freezeLlm == null || freezeLlm;
            freezeVisualEncoder = freezeVisualEncoder == null || freezeVisualEncoder;
            if (!List.of("default", "full").contains(visionFeatureSelect)) {
                throw new IllegalArgumentException("model.vision_feature_select must be 'default' or 'full', got '"
                        + visionFeatureSelect + "'");
            }
        }

        /** The same model with the weights a run saved (a checkpoint or work dir) loaded over it, nothing trainable. */
        public ModelConfig withPretrained(String checkpointOrWorkDir) {
            return new ModelConfig(llava, llm, visionEncoder, projectorDepth, visionFeatureLayer, visionFeatureSelect,
                    true, true, llmLora, visualEncoderLora, checkpointOrWorkDir, mllama, mllama != null);
        }
    }

    /** A LoRA adapter: {@code target_modules} is a list of names, a regex string, or "all-linear". */
    public record LoraConfig(Integer r, Double alpha, Double dropout, JsonNode targetModules) {
        public LoraConfig {
            if (r == null || r <= 0) throw new IllegalArgumentException("lora.r must be a positive integer");
            alpha = alpha == null ? (double) r : alpha;
            dropout = dropout == null ? 0.0 : dropout;
        }
    }

    public record OptimConfig(Double lr, List<Double> betas, Double eps, Double weightDecay, Double warmupRatio,
                              Double etaMin, Double maxNorm, Integer accumulativeCounts, Integer epochs,
                              Long maxIters, String scheduler, Long warmupSteps) {
        public OptimConfig {
            // scheduler: cosine (XTuner's), linear or constant; warmup_steps, when set, overrides warmup_ratio
            scheduler = scheduler == null ? "cosine" : scheduler;
            LrSchedule.Kind.parse(scheduler);
            if (warmupSteps != null && warmupSteps < 0) {
                throw new IllegalArgumentException("optim.warmup_steps must be >= 0, got " + warmupSteps);
            }
            lr = lr == null ? 2e-4 : lr;
            betas = betas == null ? List.of(0.9, 0.999) : List.copyOf(betas);
            eps = eps == null ? 1e-8 : eps;
            weightDecay = weightDecay == null ? 0.0 : weightDecay;
            warmupRatio = warmupRatio == null ? 0.03 : warmupRatio;
            etaMin = etaMin == null ? 0.0 : etaMin;
            maxNorm = maxNorm == null ? 1.0 : maxNorm;
            accumulativeCounts = accumulativeCounts == null ? 1 : accumulativeCounts;
            epochs = epochs == null ? 1 : epochs;
            if (betas.size() != 2) throw new IllegalArgumentException("optim.betas needs two values, got " + betas);
            if (accumulativeCounts < 1) throw new IllegalArgumentException("optim.accumulative_counts must be >= 1");
        }
    }

    /**
     * precision: fp32 or bf16; on_nan: stop or skip. loss_reduction: {@code mean} (XTuner's: each rank's mean token
     * loss, gradients averaged over ranks and accumulation steps) or {@code tokens} (the mean over every valid token of
     * the global batch, whatever the split over ranks and micro-batches). zero: 0 (every rank holds the whole AdamW
     * state) or 1 (ZeRO stage 1: the AdamW moments sharded across the ranks of an mpirun job; one rank: plain AdamW).
     */
    public record TrainSection(String precision, Boolean activationCheckpointing, Long seed, String onNan,
                               String lossReduction, Integer zero) {
        public TrainSection {
            lossReduction = lossReduction == null ? "mean" : lossReduction;
            if (!List.of("mean", "tokens").contains(lossReduction)) {
                throw new IllegalArgumentException("train.loss_reduction must be mean or tokens, got '" + lossReduction + "'");
            }
            precision = precision == null ? "fp32" : precision;
            activationCheckpointing = activationCheckpointing != null && activationCheckpointing;
            seed = seed == null ? 42L : seed;
            onNan = onNan == null ? "stop" : onNan;
            zero = zero == null ? 0 : zero;
            if (zero != 0 && zero != 1) {
                throw new IllegalArgumentException("train.zero must be 0 or 1 (ZeRO stage 1 shards the optimizer state; "
                        + "stages 2 and 3 are not implemented), got " + zero);
            }
            if (!List.of("fp32", "bf16").contains(precision)) {
                throw new IllegalArgumentException("train.precision must be fp32 or bf16, got '" + precision + "'");
            }
            if (!List.of("stop", "skip").contains(onNan)) {
                throw new IllegalArgumentException("train.on_nan must be stop or skip, got '" + onNan + "'");
            }
        }
    }

    public record CheckpointConfig(Integer saveSteps, Integer saveTotalLimit) {
        public CheckpointConfig {
            saveSteps = saveSteps == null ? 500 : saveSteps;
            saveTotalLimit = saveTotalLimit == null ? 2 : saveTotalLimit;
        }
    }

    /** sample_ids: each rank writes the dataset indices and ids of every batch it trains to {@code sample_ids/rank<R>.jsonl}. */
    public record LoggingConfig(Integer logSteps, Boolean sampleIds) {
        public LoggingConfig {
            sampleIds = sampleIds != null && sampleIds;
            logSteps = logSteps == null ? 10 : logSteps;
        }
    }

    /**
     * Prompts answered at {@code freq} steps and at the end, as XTuner's EvaluateChatHook does; and
     * {@code cot_benchmarks}: LLaVA json/jsonl files scored by CoT answer accuracy and structure validity
     * (images under {@code cot_image_folder}, else beside each file).
     */
    public record EvaluationConfig(Integer freq, Integer maxNewTokens, String system, List<Prompt> prompts,
                                   List<String> cotBenchmarks, String cotImageFolder) {
        public EvaluationConfig {
            cotBenchmarks = cotBenchmarks == null ? List.of() : List.copyOf(cotBenchmarks);
            freq = freq == null ? 500 : freq;
            maxNewTokens = maxNewTokens == null ? 64 : maxNewTokens;
            system = system == null ? "" : system;
            prompts = prompts == null ? List.of() : List.copyOf(prompts);
        }
    }

    public record Prompt(String text, String image) {}
}

package org.jtuner.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.models.mllama.MllamaTraining;
import org.jtuner.models.mllama.MllamaVisionModel;
import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.nn.LoraSpec;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.train.config.RunConfig;

/**
 * Builds the Llama-3.2-Vision model a run trains ({@code model.mllama}): the folder loaded (frozen weights kept in
 * BF16 under bf16 precision, as Meta publishes them), the vision model, projector and language model trained or
 * frozen by the config, each with its gates; LoRA on the text model ({@code llm_lora}: {@code all-linear} means every
 * self-attention, cross-attention and MLP projection, by PEFT's module paths) and on the vision model
 * ({@code visual_encoder_lora}); then {@code pretrained_pth}. Trainable weights are F32 master weights.
 */
public final class MllamaSetup {
    private MllamaSetup() {}

    public static MllamaForConditionalGeneration build(RunConfig.ModelConfig c, String precision, Random random) {
        boolean bf16 = "bf16".equals(precision);
        MllamaForConditionalGeneration model;
        try {
            model = MllamaForConditionalGeneration.load(Path.of(c.mllama()), bf16);
        } catch (IOException e) {
            throw new UncheckedIOException("model.mllama: cannot load " + c.mllama() + ": " + e.getMessage(), e);
        }
        try {
            MllamaTraining.setTrainableParts(model, !c.freezeVisualEncoder(), !c.freezeProjector(), !c.freezeLlm());
            // LoRA freezes the module it is applied to; what trained before keeps training, except the adapted bases
            Set<String> before = new HashSet<>();
            model.namedParameters().forEach((n, p) -> { if (p.trainable()) before.add(n); });
            List<String> adapted = new ArrayList<>();
            if (c.llmLora() != null) {
                RunConfig.LoraConfig l = c.llmLora();
                if (isAllLinear(l.targetModules())) {
                    adapted.addAll(PeftAdapters.apply(model, MllamaTraining.textLoraSpec(l.r(), l.alpha(), l.dropout()), false, random));
                } else if (l.targetModules().isTextual()) {
                    adapted.addAll(PeftAdapters.apply(model, ModelSetup.loraSpec(l, "model.llm_lora"), false, random));
                } else {
                    PeftAdapters.apply(model.languageModel(), ModelSetup.loraSpec(l, "model.llm_lora"), false, random)
                            .forEach(p -> adapted.add("language_model." + p));
                }
            }
            if (c.visualEncoderLora() != null) {
                RunConfig.LoraConfig l = c.visualEncoderLora();
                if (l.targetModules() != null && l.targetModules().isTextual() && !isAllLinear(l.targetModules())) {
                    adapted.addAll(PeftAdapters.apply(model, ModelSetup.loraSpec(l, "model.visual_encoder_lora"), false, random));
                } else {
                    LoraSpec spec = isAllLinear(l.targetModules())
                            ? LoraSpec.targets(l.r(), l.alpha(), l.dropout(), MllamaVisionModel.LORA_TARGET_MODULES)
                            : ModelSetup.loraSpec(l, "model.visual_encoder_lora");
                    PeftAdapters.apply(model.visionModel(), spec, false, random).forEach(p -> adapted.add(MllamaVisionModel.CHECKPOINT_PREFIX + p));
                }
            }
            Set<String> bases = new HashSet<>();
            for (String path : adapted) {
                bases.add(path + ".weight");
                bases.add(path + ".bias");
            }
            model.namedParameters().forEach((n, p) -> { if (before.contains(n) && !bases.contains(n)) p.setTrainable(true); });
            trainableInF32(model);
            if (c.pretrainedPth() != null) ModelSetup.loadPretrained(model, Path.of(c.pretrainedPth()));
            if (bf16) ModelSetup.storeFrozenInBf16(model);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static boolean isAllLinear(JsonNode t) {
        return t == null || t.isNull() || t.isTextual() && t.asText().equals("all-linear");
    }

    /** A BF16 checkpoint's weights that now train become F32 master weights. */
    private static void trainableInF32(MllamaForConditionalGeneration model) {
        for (Parameter p : model.namedParameters().values()) {
            if (!p.trainable() || p.value().dtype() == DType.F32) continue;
            Tensor f32 = Scope.unscoped(() -> {
                try (Scope s = Scope.open()) {
                    return s.keep(p.value().to(DType.F32).detach());
                }
            });
            p.set(f32);
        }
    }

    /** Activation checkpointing per layer, in the vision model's local and global layers and the text layers. */
    public static void setActivationCheckpointing(MllamaForConditionalGeneration model, boolean on) {
        model.languageModel().model().setActivationCheckpointing(on);
        if (model.visionModel() != null) model.visionModel().setActivationCheckpointing(on);
    }
}

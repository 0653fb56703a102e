package org.jtuner.models.mllama;

import java.util.List;
import java.util.Random;

import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.nn.LoraSpec;

/**
 * Training set-ups for Llama-3.2-Vision, as for LLaVA: which parts train (vision model, projector, language model,
 * each with its own gates: the cross-attention gates belong to the language model, the tile/positional and global
 * layer gates to the vision model), and LoRA on the text model's self-attention, cross-attention and MLP projections
 * by PEFT's module paths, so a saved adapter loads in PEFT on {@code MllamaForConditionalGeneration}.
 */
public final class MllamaTraining {
    private MllamaTraining() {}

    /**
     * PEFT's {@code target_modules} as a regular expression (PEFT full-matches it against module paths): every
     * projection of the text layers, self- and cross-attention and MLP, none of the vision model's.
     */
    public static final String TEXT_LORA_TARGETS =
            "language_model\\.model\\.layers\\.\\d+\\.(self_attn|cross_attn|mlp)\\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)";

    /** Freezes or unfreezes each part. */
    public static void setTrainableParts(MllamaForConditionalGeneration model, boolean vision, boolean projector, boolean llm) {
        model.setTrainable(false);
        if (vision && model.visionModel() != null) model.visionModel().setTrainable(true);
        model.multiModalProjector().setTrainable(projector);
        model.languageModel().setTrainable(llm);
    }

    /** LoRA on the text model's projections (base frozen where adapted); returns the adapted module paths. */
    public static List<String> addTextLora(MllamaForConditionalGeneration model, int r, double alpha, double dropout, Random random) {
        return PeftAdapters.apply(model, textLoraSpec(r, alpha, dropout), false, random);
    }

    public static LoraSpec textLoraSpec(int r, double alpha, double dropout) {
        return new LoraSpec(r, alpha, dropout, List.of(), TEXT_LORA_TARGETS, false, List.of());
    }
}

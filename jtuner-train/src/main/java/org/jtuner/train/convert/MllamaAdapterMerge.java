package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Path;

import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.nn.Lora;

/**
 * A PEFT LoRA adapter made on a Llama-3.2-Vision model (keys {@code base_model.model.language_model.*} /
 * {@code base_model.model.vision_model.*}, as PEFT names them on MllamaForConditionalGeneration) merged into the
 * base weights, written as a Hugging Face folder in the hub layout.
 */
public final class MllamaAdapterMerge {
    private MllamaAdapterMerge() {}

    /** Returns the number of merged layers. */
    public static int merge(Path base, Path adapter, Path output, long maxShardBytes) throws IOException {
        return merge(base, adapter, output, maxShardBytes, null);
    }

    /** As {@link #merge(Path, Path, Path, long)}, the weights stored as {@code dtype} ("F32", "BF16", "F16"; null: F32). */
    public static int merge(Path base, Path adapter, Path output, long maxShardBytes, String dtype) throws IOException {
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.load(base, false)) {
            if (adapter != null) PeftAdapters.load(model, adapter);
            int merged = adapter == null ? 0 : Lora.merge(model);
            model.save(output, maxShardBytes, dtype);
            return merged;
        }
    }
}

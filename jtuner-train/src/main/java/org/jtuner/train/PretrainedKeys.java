package org.jtuner.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Which parameter of jtuner's LLaVA a key of a saved state dict names: jtuner's own name; XTuner's LLaVAModel name
 * ({@code llm.*}, {@code visual_encoder.*}, {@code projector.model.N.*}, with PEFT's {@code base_model.model.} and
 * {@code .default} inside adapted modules); or a bare language-model key ({@code model.layers.*},
 * {@code lm_head.weight}), as an LLM-only state dict has them.
 */
final class PretrainedKeys {
    private PretrainedKeys() {}

    /** The parameter {@code key} names, or null when none of the layouts gives one of {@code params}. */
    static String parameterName(String key, Set<String> params) {
        for (String c : candidates(key)) if (params.contains(c)) return c;
        return null;
    }

    static List<String> candidates(String key) {
        List<String> out = new ArrayList<>();
        out.add(key);
        if (key.startsWith("llm.")) {
            String rest = peft(key.substring(4));
            out.add(rest.startsWith("model.") ? "model.language_model." + rest.substring(6) : rest);
        } else if (key.startsWith("visual_encoder.")) {
            String rest = peft(key.substring("visual_encoder.".length()));
            out.add("model.vision_tower." + (rest.startsWith("vision_model.") ? rest.substring(13) : rest));
        } else if (key.startsWith("projector.model.")) {
            String rest = key.substring("projector.model.".length());
            int dot = rest.indexOf('.');
            if (dot > 0 && rest.substring(0, dot).chars().allMatch(Character::isDigit)) {
                int linear = Integer.parseInt(rest.substring(0, dot)) / 2 + 1; // Linear, GELU, Linear, ...
                out.add("model.multi_modal_projector.linear_" + linear + rest.substring(dot));
            }
        } else if (key.startsWith("model.")) {
            out.add("model.language_model." + key.substring(6));
        }
        return out;
    }

    private static String peft(String key) {
        String k = key.startsWith("base_model.model.") ? key.substring("base_model.model.".length()) : key;
        return k.replace(".lora_A.default.", ".lora_A.").replace(".lora_B.default.", ".lora_B.");
    }
}

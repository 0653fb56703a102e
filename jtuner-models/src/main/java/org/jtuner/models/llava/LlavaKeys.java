package org.jtuner.models.llava;

import org.jtuner.io.config.LlavaConfig;
import org.jtuner.models.KeyMap;
import org.jtuner.models.KeyMap.Rule;
import org.jtuner.models.WeightLoader;

/**
 * Checkpoint key layouts of LLaVA, as data. In memory the names are transformers 5's ({@code model.language_model.*},
 * {@code lm_head.*}, {@code model.vision_tower.*}, {@code model.multi_modal_projector.*}); on disk they are:
 * <ol>
 *   <li>what {@code save_pretrained} writes (transformers 4.4x and 5, and llava-hf on the hub):
 *       {@code language_model.model.*}, {@code language_model.lm_head.*}, {@code vision_tower.*},
 *       {@code multi_modal_projector.*};</li>
 *   <li>the same with the tower under {@code vision_tower.vision_model.*} (transformers 4.x, most hub checkpoints);</li>
 *   <li>the in-memory names themselves, the tower bare or under {@code model.vision_tower.vision_model.*}.</li>
 * </ol>
 * Saving writes the first.
 */
public final class LlavaKeys {
    private LlavaKeys() {}

    private static KeyMap layout(String languageModel, String lmHead, String visionTower, String projector) {
        return KeyMap.of(
                Rule.prefix("model.language_model.", languageModel),
                Rule.prefix("lm_head.", lmHead),
                Rule.prefix("model.vision_tower.", visionTower),
                Rule.prefix("model.multi_modal_projector.", projector));
    }

    /** Parameter name → checkpoint key, every layout LLaVA checkpoints use, the save_pretrained one first. */
    public static final KeyMap CHECKPOINT =
            layout("language_model.model.", "language_model.lm_head.", "vision_tower.", "multi_modal_projector.")
                    .orElse(layout("language_model.model.", "language_model.lm_head.", "vision_tower.vision_model.",
                            "multi_modal_projector."))
                    .orElse(KeyMap.identity())
                    .orElse(KeyMap.of(Rule.prefix("model.vision_tower.", "model.vision_tower.vision_model.")));

    /**
     * The layout of the published llava-hf checkpoints ({@code language_model.model.*}, {@code language_model.lm_head.*},
     * {@code vision_tower.vision_model.*}, {@code multi_modal_projector.*}), which transformers 4.x and 5.x both read.
     */
    public static final KeyMap HUB =
            layout("language_model.model.", "language_model.lm_head.", "vision_tower.vision_model.", "multi_modal_projector.");

    /**
     * Checkpoint keys that are not weights of ours, ignored as transformers ignores them: buffers older checkpoints
     * saved (CLIP's {@code position_ids}, rotary {@code inv_freq}), and an {@code lm_head} saved beside tied embeddings.
     */
    public static WeightLoader.Options options(LlavaConfig config, WeightLoader.Options base) {
        WeightLoader.Options o = base.ignoreUnexpected("(.*\\.)?embeddings\\.position_ids", ".*\\.rotary_emb\\.inv_freq");
        return config.tieWordEmbeddings() ? o.ignoreUnexpected("(.*\\.)?lm_head\\.weight") : o;
    }
}

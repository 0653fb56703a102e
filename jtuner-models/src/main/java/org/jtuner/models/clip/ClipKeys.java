package org.jtuner.models.clip;

import org.jtuner.models.KeyMap;

/**
 * Checkpoint key layouts of a CLIP vision tower, as data. The tower's parameter names ({@code embeddings.*},
 * {@code pre_layrnorm.*}, {@code encoder.layers.N.*}, {@code post_layernorm.*}) are the keys transformers 5 writes for
 * a {@code CLIPVisionModel}; transformers 4 and full {@code CLIPModel} checkpoints (e.g.
 * {@code openai/clip-vit-large-patch14-336}) put them under {@code vision_model.}.
 */
public final class ClipKeys {
    private ClipKeys() {}

    /** A CLIP checkpoint: bare keys (written first when saving), else {@code vision_model.*}. */
    public static final KeyMap VISION_MODEL = KeyMap.identity().orElse(KeyMap.prefix("vision_model."));

    /**
     * Keys of a CLIP checkpoint that the vision tower does not read (whole-key regexes): the text tower and the
     * projections of a full CLIPModel, and the {@code position_ids} buffer older checkpoints saved.
     */
    public static final String[] NOT_VISION_TOWER = {
            "text_model\\..*", "text_projection\\..*", "visual_projection\\..*", "logit_scale",
            "(.*\\.)?embeddings\\.position_ids",
    };
}

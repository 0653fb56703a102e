package org.jtuner.generate;

import java.util.List;

import org.jtuner.vision.PixelValues;

/**
 * One prompt to continue: its token ids, where each image is already expanded to the model's image tokens (one id
 * per feature row, {@link GenerationModel#imageTokenIndex}), and the images in the order their tokens appear.
 */
public record Prompt(int[] ids, List<PixelValues> images) {
    public Prompt {
        if (ids.length == 0) throw new IllegalArgumentException("a prompt needs at least one token");
        images = images == null ? List.of() : List.copyOf(images);
    }

    public static Prompt text(int[] ids) {
        return new Prompt(ids, List.of());
    }
}

package org.jtuner.generate;

import java.util.List;

import org.jtuner.vision.PixelValues;
import org.jtuner.vision.mllama.TiledImage;

/**
 * One prompt to continue: its token ids, where each image is already expanded to the model's image tokens (one id
 * per feature row, {@link GenerationModel#imageTokenIndex}), and the images in the order their tokens appear. For an
 * mllama (Llama-3.2-Vision) model the images are tiled ({@code tiledImages}) and each has one {@code <|image|>} id.
 */
public record Prompt(int[] ids, List<PixelValues> images, List<TiledImage> tiledImages) {
    public Prompt {
        if (ids.length == 0) throw new IllegalArgumentException("a prompt needs at least one token");
        images = images == null ? List.of() : List.copyOf(images);
        tiledImages = tiledImages == null ? List.of() : List.copyOf(tiledImages);
    }

    public Prompt(int[] ids, List<PixelValues> images) {
        this(ids, images, List.of());
    }

    public static Prompt text(int[] ids) {
        return new Prompt(ids, List.of());
    }

    /** The same images with other ids (a prompt continued with an answer so far). */
    public Prompt withIds(int[] newIds) {
        return new Prompt(newIds, images, tiledImages);
    }

    /** An mllama prompt: one {@code <|image|>} id per tiled image. */
    public static Prompt tiled(int[] ids, List<TiledImage> tiledImages) {
        return new Prompt(ids, List.of(), tiledImages);
    }
}

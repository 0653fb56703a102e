package org.jtuner.eval;

import java.util.List;

import org.jtuner.vision.RgbImage;

/** One prompt for the model: the system text (null for none), the user text with {@code <image>} placeholders, the images. */
public record Question(String system, String text, List<RgbImage> images) {
    public Question {
        images = images == null ? List.of() : List.copyOf(images);
    }
}

package org.jtuner.data;

import java.util.List;

/**
 * One LLaVA row as read: {@code {"id", "image": "a.jpg" | ["a.jpg", ...] | absent, "conversations": [{"from", "value"}]}}.
 *
 * @param images the image paths in placeholder order, relative to the image folder; empty for a text-only row
 */
public record RawSample(SourceRef source, List<String> images, List<Message> conversations) {
    public RawSample {
        images = List.copyOf(images);
        conversations = List.copyOf(conversations);
    }

    /** One message: {@code from} is {@code human} or {@code gpt} in a valid row. */
    public record Message(String from, String value) {}
}

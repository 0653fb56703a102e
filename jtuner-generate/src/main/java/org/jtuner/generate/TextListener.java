package org.jtuner.generate;

/** Receives decoded text as it is generated: whole characters only, never a part of a stop string. */
@FunctionalInterface
public interface TextListener {
    TextListener NONE = (row, text) -> {};

    void onText(int row, String text);
}

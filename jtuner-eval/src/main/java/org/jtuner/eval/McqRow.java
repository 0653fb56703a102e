package org.jtuner.eval;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jtuner.vision.RgbImage;

/**
 * One multiple-choice row of a VLMEvalKit / MMBench TSV. {@code options} maps the letters A, B, ... (in order, no
 * gaps) to their texts; {@code answer} is a letter, or null in a test split; {@code image} is null for a text-only
 * question; {@code columns} keeps the row's other columns (not the image) for the predictions file.
 */
public record McqRow(long index, String question, String hint, LinkedHashMap<String, String> options, String answer,
                     String category, String l2Category, String split, RgbImage image, Map<String, String> columns) {

    /** Rows whose index differs by a multiple of 1,000,000 are rotations of one question (MMBench's convention). */
    public static final long ROTATION_STRIDE = 1_000_000L;

    public long questionId() {
        return Math.floorMod(index, ROTATION_STRIDE);
    }
}

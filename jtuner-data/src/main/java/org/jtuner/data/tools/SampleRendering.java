package org.jtuner.data.tools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.data.EncodedSample;
import org.jtuner.data.LlavaMapFn;
import org.jtuner.text.tokenizer.Tokenizer;

/** Renders an encoded sample for people: as text with {@code <image>} restored, with the masked spans marked, as ids. */
public final class SampleRendering {
    private SampleRendering() {}

    /**
     * The whole sequence decoded (special tokens kept), each image's run of {@code imageSeqLength} tokens written
     * as {@code <image>}.
     */
    public static String text(EncodedSample s, int imageSeqLength, Tokenizer tokenizer) {
        return decodeRange(s, imageSeqLength, tokenizer, 0, s.length());
    }

    /**
     * The sequence with every run of positions without loss written as {@code [-100 xN]} and the trained positions
     * decoded: exactly what the loss sees (XTuner's {@code masked_text}, with the runs counted instead of repeated).
     */
    public static String maskedText(EncodedSample s, Tokenizer tokenizer) {
        StringBuilder out = new StringBuilder();
        int[] labels = s.labels();
        int i = 0;
        while (i < labels.length) {
            boolean masked = labels[i] == EncodedSample.IGNORE_INDEX;
            int j = i;
            while (j < labels.length && (labels[j] == EncodedSample.IGNORE_INDEX) == masked) j++;
            if (masked) out.append("[-100 x").append(j - i).append(']');
            else out.append(tokenizer.decode(Arrays.copyOfRange(labels, i, j), false));
            i = j;
        }
        return out.toString();
    }

    /** The ids, each image's run written {@code id xN}. */
    public static String inputIds(EncodedSample s, int imageSeqLength) {
        List<String> parts = new ArrayList<>();
        int[] ids = s.inputIds();
        int image = 0;
        for (int i = 0; i < ids.length; ) {
            if (image < s.imagePositions().length && s.imagePositions()[image] == i) {
                int end = Math.min(ids.length, i + imageSeqLength);
                parts.add(ids[i] + " x" + (end - i));
                i = end;
                image++;
            } else {
                parts.add(Integer.toString(ids[i++]));
            }
        }
        return "[" + String.join(", ", parts) + "]";
    }

    /** The labels, each run of -100 written {@code -100 xN}. */
    public static String labels(EncodedSample s) {
        List<String> parts = new ArrayList<>();
        int[] labels = s.labels();
        for (int i = 0; i < labels.length; ) {
            if (labels[i] != EncodedSample.IGNORE_INDEX) {
                parts.add(Integer.toString(labels[i++]));
                continue;
            }
            int j = i;
            while (j < labels.length && labels[j] == EncodedSample.IGNORE_INDEX) j++;
            parts.add(j - i == 1 ? "-100" : "-100 x" + (j - i));
            i = j;
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private static String decodeRange(EncodedSample s, int imageSeqLength, Tokenizer tokenizer, int from, int to) {
        StringBuilder out = new StringBuilder();
        int i = from;
        int image = 0;
        while (i < to) {
            int next = image < s.imagePositions().length ? s.imagePositions()[image] : to;
            if (next == i) {
                out.append(LlavaMapFn.IMAGE_PLACEHOLDER);
                i += imageSeqLength;
                image++;
                continue;
            }
            out.append(tokenizer.decode(Arrays.copyOfRange(s.inputIds(), i, Math.min(next, to)), false));
            i = Math.min(next, to);
        }
        return out.toString();
    }
}

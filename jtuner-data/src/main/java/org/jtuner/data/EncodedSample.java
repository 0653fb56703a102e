package org.jtuner.data;

import java.nio.file.Path;
import java.util.List;

/**
 * One training sample as the model sees it.
 *
 * <p>Images are expanded in the Hugging Face LLaVA way: each image is {@code imageSeqLength} consecutive copies of
 * {@code image_token_index} in {@code inputIds}, starting at {@code imagePositions[k]} for the k-th image, and the
 * model puts the image's patch features at exactly those positions (in the same order as {@code images}). XTuner
 * writes one {@code IMAGE_TOKEN_INDEX} (-200) per image instead and expands it inside the model; expanding here
 * makes {@code max_length}, the attention mask and the position ids count the real sequence directly.
 *
 * @param inputIds       token ids, image tokens expanded
 * @param labels         the same length; -100 where no loss is taken (inputs, BOS, separators, image tokens)
 * @param imagePositions start of each image's run of image tokens, ascending
 * @param images         the image files, one per run, in order
 * @param truncated      true when the sample was cut at {@code max_length}
 */
public record EncodedSample(SourceRef source, int[] inputIds, int[] labels, int[] imagePositions, List<Path> images,
                            boolean truncated) {
    /** The label of a position that takes no loss (PyTorch's {@code ignore_index}). */
    public static final int IGNORE_INDEX = -100;

    public EncodedSample {
        if (inputIds.length != labels.length) {
            throw new IllegalArgumentException("input_ids and labels differ in length: " + inputIds.length + " vs " + labels.length);
        }
        if (imagePositions.length != images.size()) {
            throw new IllegalArgumentException(imagePositions.length + " image positions for " + images.size() + " images");
        }
        images = List.copyOf(images);
    }

    public int length() {
        return inputIds.length;
    }

    public boolean hasImages() {
        return !images.isEmpty();
    }

    /** XTuner's {@code modality_length}: the token count, negative for a text-only sample. */
    public int modalityLength() {
        return hasImages() ? length() : -length();
    }

    /** Positions whose label is not -100. */
    public int trainedTokens() {
        int n = 0;
        for (int l : labels) if (l != IGNORE_INDEX) n++;
        return n;
    }
}

package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A test double for the model's use of a batch, with LLaVA's contract: the vision encoder runs only on the pixels a
 * batch carries, and the number of images it encodes must equal the number of image-token runs in
 * {@code input_ids} (transformers checks the same before scattering features). Counts every call and image.
 */
final class VisionEncoderCounter {
    private final int imageTokenIndex;
    private final int imageSeqLength;
    int calls;
    int images;

    VisionEncoderCounter(int imageTokenIndex, int imageSeqLength) {
        this.imageTokenIndex = imageTokenIndex;
        this.imageSeqLength = imageSeqLength;
    }

    /** What a LLaVA forward does with a batch's images: encode them if there are any. */
    void forward(Batch batch) {
        long imageTokens = java.util.Arrays.stream(batch.inputIds()).filter(id -> id == imageTokenIndex).count();
        if (batch.pixels() == null) {
            assertThat(imageTokens).as("a batch without pixels has no image tokens").isZero();
            return;
        }
        calls++;
        images += batch.pixels().count();
        assertThat(imageTokens).as("image tokens match the images encoded").isEqualTo((long) batch.pixels().count() * imageSeqLength);
    }
}

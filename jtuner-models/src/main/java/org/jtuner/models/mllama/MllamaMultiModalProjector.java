package org.jtuner.models.mllama;

import java.util.Random;

import org.jtuner.nn.Linear;
import org.jtuner.tensor.Tensor;

/**
 * Mllama's {@code multi_modal_projector}: a single Linear from vision_output_dim to the text hidden size (with
 * bias), applied to the vision output and flattened to the cross-attention states the text model reads.
 */
public final class MllamaMultiModalProjector {
    private MllamaMultiModalProjector() {}

    /** Fresh weights as transformers draws them (normal with initializer_range, zero bias). */
    public static Linear create(int visionOutputDim, int textHidden, double std, Random random) {
        MllamaInit init = MllamaInit.random(random, std);
        return new Linear(init.normal(textHidden, visionOutputDim), init.zeros(textHidden));
    }

    /** Allocated, not initialised: for loading weights into. */
    public static Linear allocate(int visionOutputDim, int textHidden) {
        MllamaInit init = MllamaInit.forLoading();
        return new Linear(init.normal(textHidden, visionOutputDim), init.zeros(textHidden));
    }

    /**
     * vision output [B, M, tiles, P, vision_output_dim] → cross_attention_states [B·M·tiles, P, text hidden], as
     * {@code MllamaForConditionalGeneration.forward} reshapes it.
     */
    public static Tensor crossAttentionStates(Linear projector, Tensor visionOutput) {
        int[] s = visionOutput.shape();
        if (s.length != 5 || s[4] != projector.inFeatures()) {
            throw new IllegalArgumentException("multi_modal_projector: vision output " + visionOutput.describe()
                    + " must be [batch, images, tiles, tokens, " + projector.inFeatures() + "]");
        }
        return projector.forward(visionOutput).reshape(s[0] * s[1] * s[2], s[3], projector.outFeatures());
    }
}

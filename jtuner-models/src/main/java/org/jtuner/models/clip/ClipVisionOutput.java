package org.jtuner.models.clip;

import java.util.List;

import org.jtuner.tensor.Tensor;

/**
 * What {@link ClipVisionModel#forward} returns, as CLIPVisionModel's output with {@code output_hidden_states=True}.
 *
 * @param hiddenStates    L + 1 tensors [B, N + 1, D]: index 0 is the embeddings after {@code pre_layrnorm}, index i
 *                        the output of encoder layer i
 * @param lastHiddenState the output of the last layer (the same tensor as the last hidden state), [B, N + 1, D]
 * @param poolerOutput    {@code post_layernorm} of the CLS token of the last layer, [B, D]
 */
public record ClipVisionOutput(List<Tensor> hiddenStates, Tensor lastHiddenState, Tensor poolerOutput) {
    public ClipVisionOutput {
        hiddenStates = List.copyOf(hiddenStates);
    }
}

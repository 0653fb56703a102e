package org.jtuner.models.clip;

import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/** CLIP's {@code patch_embedding}: a Conv2d with stride = kernel = patch size and no bias. Weight [D, C, p, p]. */
public final class ClipPatchEmbedding extends Module {
    private final Parameter weight;

    public ClipPatchEmbedding(Tensor weight) {
        if (weight.rank() != 4 || weight.shape()[2] != weight.shape()[3]) {
            throw new IllegalArgumentException("patch_embedding: weight must be [D, C, p, p], got " + weight.describe());
        }
        this.weight = registerParameter("weight", new Parameter(weight, true));
    }

    public Parameter weight() {
        return weight;
    }

    /** pixels [B, C, H, W] → [B, N, D] with N = (H/p)·(W/p) patches in row-major order (conv, flatten(2), transpose). */
    public Tensor forward(Tensor pixels) {
        Tensor y = F.conv2dPatches(pixels, weight.value(), null); // [B, D, H/p, W/p]
        int[] s = y.shape();
        return y.reshape(s[0], s[1], s[2] * s[3]).transpose(1, 2);
    }
}

package org.jtuner.models.clip;

import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.nn.Embedding;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * CLIPVisionEmbeddings: [CLS; patch embeddings] + position embeddings at positions 0..N. Parameters
 * {@code class_embedding} [D], {@code patch_embedding.weight} [D, C, p, p], {@code position_embedding.weight}
 * [N + 1, D]. No position interpolation: the image must be {@code image_size} square.
 */
public final class ClipVisionEmbeddings extends Module {
    private final ClipVisionConfig config;
    private final Parameter classEmbedding;
    private final ClipPatchEmbedding patchEmbedding;
    private final Embedding positionEmbedding;

    public ClipVisionEmbeddings(ClipVisionConfig config, Tensor classEmbedding, Tensor patchWeight, Tensor positionWeight) {
        this.config = config;
        int d = config.hiddenSize();
        requireShape("class_embedding", classEmbedding, d);
        requireShape("patch_embedding.weight", patchWeight, d, config.numChannels(), config.patchSize(), config.patchSize());
        requireShape("position_embedding.weight", positionWeight, config.numPositions(), d);
        this.classEmbedding = registerParameter("class_embedding", new Parameter(classEmbedding, true));
        this.patchEmbedding = registerChild("patch_embedding", new ClipPatchEmbedding(patchWeight));
        this.positionEmbedding = registerChild("position_embedding", new Embedding(positionWeight));
    }

    /** Fresh weights as transformers' CLIPPreTrainedModel._init_weights draws them (initializer_factor 1, range 0.02). */
    static ClipVisionEmbeddings create(ClipVisionConfig config, ParamInit init) {
        int d = config.hiddenSize(), p = config.patchSize();
        return new ClipVisionEmbeddings(config,
                init.normal(Math.pow(d, -0.5), d),
                init.normal(0.02, d, config.numChannels(), p, p),
                init.normal(0.02, config.numPositions(), d));
    }

    public Parameter classEmbedding() {
        return classEmbedding;
    }

    public ClipPatchEmbedding patchEmbedding() {
        return patchEmbedding;
    }

    public Embedding positionEmbedding() {
        return positionEmbedding;
    }

    /** pixels [B, C, H, W] → [B, N + 1, D]. */
    public Tensor forward(Tensor pixels) {
        int[] s = pixels.shape();
        if (s.length != 4 || s[1] != config.numChannels() || s[2] != config.imageSize() || s[3] != config.imageSize()) {
            throw new IllegalArgumentException("CLIP vision tower: pixel_values " + pixels.describe() + " must be [B, "
                    + config.numChannels() + ", " + config.imageSize() + ", " + config.imageSize()
                    + "] (image_size " + config.imageSize() + "; resize images with the CLIP image processor)");
        }
        int batch = s[0], d = config.hiddenSize();
        Tensor patches = patchEmbedding.forward(pixels.dtype() == DType.F32 ? pixels : pixels.to(DType.F32)); // [B, N, D]
        Tensor cls = classEmbedding.value();
        if (cls.dtype() != DType.F32) cls = cls.to(DType.F32);
        Tensor clsRows = Ops.expand(cls.reshape(1, 1, d), batch, 1, d);                 // [B, 1, D]
        Tensor tokens = Ops.concat(1, clsRows, patches);                                 // [B, N + 1, D]
        int n = config.numPositions();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        Tensor positions = positionEmbedding.forward(Tensor.ofInts(pixels.device(), ids, n)); // [N + 1, D]
        return Ops.add(tokens, positions);
    }

    static void requireShape(String name, Tensor t, int... shape) {
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException("CLIP vision tower: " + name + " is " + t.describe() + ", the config needs "
                    + java.util.Arrays.toString(shape));
        }
    }
}

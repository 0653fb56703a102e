package org.jtuner.models.mllama;

import org.jtuner.io.config.MllamaVisionConfig;
import org.jtuner.nn.Embedding;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * MllamaPrecomputedAspectRatioEmbedding ({@code pre_tile_positional_embedding}, {@code post_tile_positional_embedding}):
 * one vector per tile, picked by the image's aspect_ratio_id, scaled by tanh({@code gate}) and added to every token of
 * that tile. {@code embedding.weight} [max_aspect_ratio_id + 1, max_num_tiles · D], {@code gate} [1].
 */
public final class MllamaAspectRatioEmbedding extends Module {
    private final int maxNumTiles;
    private final int hidden;
    private final Embedding embedding;
    private final Parameter gate;

    public MllamaAspectRatioEmbedding(MllamaVisionConfig c, Tensor embeddingWeight, Tensor gate) {
        this.maxNumTiles = c.maxNumTiles();
        this.hidden = c.hiddenSize();
        MllamaVisionModel.requireShape("embedding.weight", embeddingWeight, c.maxAspectRatioId() + 1, maxNumTiles * hidden);
        MllamaVisionModel.requireShape("gate", gate, 1);
        this.embedding = registerChild("embedding", new Embedding(embeddingWeight));
        this.gate = registerParameter("gate", new Parameter(gate, true));
    }

    static MllamaAspectRatioEmbedding create(MllamaVisionConfig c, MllamaInit init) {
        return new MllamaAspectRatioEmbedding(c, init.normal(c.maxAspectRatioId() + 1, c.maxNumTiles() * c.hiddenSize()),
                init.zeros(1));
    }

    public Embedding embedding() { return embedding; }
    public Parameter gate() { return gate; }

    /** hidden [N, tiles, T, D] (tiles = max_num_tiles), aspectRatioIds [N] (I32) → [N, tiles, T, D]. */
    public Tensor forward(Tensor hidden, Tensor aspectRatioIds) {
        int n = hidden.shape()[0];
        Tensor e = embedding.forward(aspectRatioIds).reshape(n, maxNumTiles, 1, this.hidden);
        return Ops.add(hidden, Ops.mul(e, Ops.tanh(gate.value())));
    }
}

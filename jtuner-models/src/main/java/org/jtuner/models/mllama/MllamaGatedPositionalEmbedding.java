package org.jtuner.models.mllama;

import org.jtuner.io.config.MllamaVisionConfig;
import org.jtuner.nn.Embedding;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/**
 * MllamaPrecomputedPositionEmbedding ({@code gated_positional_embedding}): adds (1 − tanh(gate))·{@code embedding}
 * (one vector per token of a tile, shared by all tiles) and tanh(gate)·the tile-position embedding (one vector per
 * token of each tile, picked by aspect_ratio_id). {@code gate} [1], {@code embedding} [P, D] with P = patches + 1,
 * {@code tile_embedding.weight} [max_aspect_ratio_id + 1, max_num_tiles · P · D].
 */
public final class MllamaGatedPositionalEmbedding extends Module {
    private final int maxNumTiles;
    private final int tokens;
    private final int hidden;
    private final Parameter gate;
    private final Parameter embedding;
    private final Embedding tileEmbedding;

    public MllamaGatedPositionalEmbedding(MllamaVisionConfig c, Tensor gate, Tensor embedding, Tensor tileEmbeddingWeight) {
        this.maxNumTiles = c.maxNumTiles();
        this.tokens = c.numPatchesWithCls();
        this.hidden = c.hiddenSize();
        MllamaVisionModel.requireShape("gate", gate, 1);
        MllamaVisionModel.requireShape("embedding", embedding, tokens, hidden);
        MllamaVisionModel.requireShape("tile_embedding.weight", tileEmbeddingWeight, c.maxAspectRatioId() + 1,
                maxNumTiles * tokens * hidden);
        // Registration order is the checkpoint module's: gate, embedding, tile_embedding.
        this.gate = registerParameter("gate", new Parameter(gate, true));
        this.embedding = registerParameter("embedding", new Parameter(embedding, true));
        this.tileEmbedding = registerChild("tile_embedding", new Embedding(tileEmbeddingWeight));
    }

    static MllamaGatedPositionalEmbedding create(MllamaVisionConfig c, MllamaInit init) {
        int p = c.numPatchesWithCls(), d = c.hiddenSize();
        return new MllamaGatedPositionalEmbedding(c, init.zeros(1), init.normal(p, d),
                init.normal(c.maxAspectRatioId() + 1, c.maxNumTiles() * p * d));
    }

    public Parameter gate() { return gate; }
    public Parameter embedding() { return embedding; }
    public Embedding tileEmbedding() { return tileEmbedding; }

    /** hidden [N, tiles, P, D], aspectRatioIds [N] (I32) → [N, tiles, P, D]. */
    public Tensor forward(Tensor hidden, Tensor aspectRatioIds) {
        int n = hidden.shape()[0];
        Tensor g = Ops.tanh(gate.value());                                           // [1]
        Tensor shared = Ops.mul(embedding.value(), Ops.affine(g, -1, 1));            // (1 − tanh g)·E  [P, D]
        Tensor h = Ops.add(hidden, shared.reshape(1, 1, tokens, this.hidden));
        Tensor tile = tileEmbedding.forward(aspectRatioIds).reshape(n, maxNumTiles, tokens, this.hidden);
        return Ops.add(h, Ops.mul(tile, g));
    }
}

package org.jtuner.generate;

import java.util.List;

import org.jtuner.models.llama.KvCache;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;

/** Decoding for a Llama-family language model alone or inside LLaVA (image features in place of image tokens). */
final class LlamaDecoding implements Decoding {
    private final GenerationModel model;
    private final LlamaForCausalLM llm;
    private final KvCache[] cache;

    LlamaDecoding(GenerationModel model, LlamaForCausalLM llm) {
        this.model = model;
        this.llm = llm;
        this.cache = llm.newCache();
    }

    @Override
    public float[][] prefill(List<Prompt> prompts, int longest, int[] mask, int[] positions) {
        int b = prompts.size();
        Tensor[] each = new Tensor[b];
        for (int r = 0; r < b; r++) {
            Tensor e = model.embed(prompts.get(r));
            int t = e.shape()[1], d = e.shape()[2];
            each[r] = t == longest ? e : Ops.concat(1, Tensor.zeros(1, longest - t, d), e);
        }
        Tensor embeds = b == 1 ? each[0] : Ops.concat(0, each);
        return lastLogits(embeds, Tensor.ofInts(mask, b, longest), Tensor.ofInts(positions, b, longest));
    }

    @Override
    public float[][] step(int[] next, int[] mask, int width, int[] positions) {
        int b = next.length;
        Tensor embeds = llm.embedTokens().forward(Tensor.ofInts(next, b, 1));
        return lastLogits(embeds, Tensor.ofInts(mask, b, width), Tensor.ofInts(positions, b, 1));
    }

    private float[][] lastLogits(Tensor embeds, Tensor mask, Tensor positions) {
        Tensor hidden = llm.model().forward(embeds, mask, positions, cache);
        int b = hidden.shape()[0], t = hidden.shape()[1];
        return Decoding.lastRows(llm.head(hidden.slice(1, t - 1, t)).toFloatArray(), b);
    }

    @Override
    public void close() {
        KvCache.closeAll(cache);
    }
}

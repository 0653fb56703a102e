package org.jtuner.nn;

import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/** A table of vectors looked up by I32 ids: [V, D]. */
public final class Embedding extends Module {
    private final Parameter weight;

    public Embedding(Tensor weight) {
        this.weight = registerParameter("weight", new Parameter(weight, true));
    }

    public Parameter weight() {
        return weight;
    }

    public Tensor forward(Tensor ids) {
        return F.embedding(ids, weight.value());
    }
}

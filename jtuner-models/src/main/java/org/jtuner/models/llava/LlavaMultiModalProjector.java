package org.jtuner.models.llava;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/**
 * LLaVA's multimodal projector, as transformers' {@code LlavaMultiModalProjector} for depth 2 ({@code linear_1},
 * {@code act}, {@code linear_2}) and LLaVA's {@code mlpNx_gelu} in general: N linears {@code linear_1 ... linear_N},
 * the first from the vision feature width to the LLM width, the others LLM width to LLM width, with the activation
 * {@code projector_hidden_act} between consecutive linears (none after the last). Depth 1 is LLaVA's
 * {@code linear} projector.
 */
public final class LlavaMultiModalProjector extends Module {
    private static final Pattern MLP = Pattern.compile("mlp(\\d+)x_gelu");

    private final List<Linear> linears;
    private final String act;

    public LlavaMultiModalProjector(List<Linear> linears, String act) {
        if (linears.isEmpty()) throw new IllegalArgumentException("projector: needs at least one linear layer");
        for (int i = 1; i < linears.size(); i++) {
            if (linears.get(i).inFeatures() != linears.get(i - 1).outFeatures()) {
                throw new IllegalArgumentException("projector: linear_" + (i + 1) + " takes " + linears.get(i).inFeatures()
                        + " features, linear_" + i + " gives " + linears.get(i - 1).outFeatures());
            }
        }
        this.linears = List.copyOf(linears);
        this.act = act;
        for (int i = 0; i < linears.size(); i++) registerChild("linear_" + (i + 1), linears.get(i));
    }

    /**
     * A fresh projector initialised as torch.nn.Linear initialises (what XTuner's ProjectorModel and LLaVA's builder
     * start pretraining from).
     *
     * @param inFeatures  vision feature width (hidden size × number of feature layers)
     * @param outFeatures LLM hidden size
     * @param depth       number of linear layers (2 for {@code mlp2x_gelu})
     */
    public static LlavaMultiModalProjector create(int inFeatures, int outFeatures, int depth, String act, boolean bias,
                                                  Random random) {
        if (depth < 1) throw new IllegalArgumentException("projector: depth must be at least 1, got " + depth);
        List<Linear> list = new ArrayList<>();
        for (int i = 0; i < depth; i++) list.add(Linear.create(random, i == 0 ? inFeatures : outFeatures, outFeatures, bias));
        return new LlavaMultiModalProjector(list, act);
    }

    /** The depth LLaVA's {@code mm_projector_type} names: {@code linear} → 1, {@code mlp2x_gelu} → 2, {@code mlpNx_gelu} → N. */
    public static int depthOf(String projectorType) {
        if (projectorType.equals("linear")) return 1;
        Matcher m = MLP.matcher(projectorType);
        if (m.matches()) return Integer.parseInt(m.group(1));
        throw new IllegalArgumentException("unknown projector type '" + projectorType + "' (supported: linear, mlpNx_gelu such as mlp2x_gelu)");
    }

    public List<Linear> linears() {
        return linears;
    }

    public int depth() {
        return linears.size();
    }

    public String act() {
        return act;
    }

    public int inFeatures() {
        return linears.getFirst().inFeatures();
    }

    public int outFeatures() {
        return linears.getLast().outFeatures();
    }

    /** x [..., inFeatures] → [..., outFeatures]. */
    public Tensor forward(Tensor x) {
        Tensor h = linears.getFirst().forward(x);
        for (int i = 1; i < linears.size(); i++) h = linears.get(i).forward(F.activation(act, h));
        return h;
    }
}

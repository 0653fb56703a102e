package org.jtuner.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
import org.jtuner.nn.optim.Optimizer;
import org.jtuner.nn.optim.ZeroAdamW;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.dist.ProcessGroup;

/**
 * A data-parallel optimizer step (PyTorch DDP's): the ranks' gradients all-reduced, scaled and clipped at their global
 * norm, then the optimizer: {@link AdamW}, whose whole state every rank keeps and updates alike, or {@link ZeroAdamW},
 * which updates this rank's shard and all-gathers the weights. In a world of one nothing is communicated.
 */
public final class DataParallelStep implements OptimizerStep {
    private final List<Parameter> params;
    private final Optimizer adamw;
    private final ProcessGroup group;

    public DataParallelStep(Map<String, Parameter> trainable, Optimizer adamw, ProcessGroup group) {
        this.params = new ArrayList<>(trainable.values());
        this.adamw = adamw;
        this.group = group;
    }

    @Override
    public double step(double lr, double gradScale, double maxNorm) {
        if (group.size() > 1) sumOverRanks(params, group);
        if (gradScale != 1) {
            float s = (float) gradScale;
            for (Parameter p : params) {
                Tensor g = p.value().grad();
                if (g != null) g.backend().affine(g, s, 0, g);
            }
        }
        double norm = GradClip.clip(params, maxNorm);
        adamw.step(lr);
        return norm;
    }

    /**
     * Sums each gradient over the ranks. A parameter that got no gradient on this rank (a text-only batch does not
     * reach the projector) joins with zeros when another rank has one, and stays without a gradient (AdamW skips it,
     * as torch does) when no rank has one.
     */
    static void sumOverRanks(List<Parameter> params, ProcessGroup group) {
        double[] has = new double[params.size()];
        for (int i = 0; i < has.length; i++) has[i] = params.get(i).value().grad() != null ? 1 : 0;
        group.allReduce(has, ProcessGroup.Op.MAX);
        for (int i = 0; i < has.length; i++) {
            if (has[i] == 0) continue;
            Tensor w = params.get(i).value();
            if (w.grad() == null) {
                try (Scope s = Scope.open()) {
                    w.accumulateGrad(Tensor.zeros(w.shape()));
                }
            }
            group.allReduceSum(w.grad().segment(), w.grad().numel());
        }
    }

    /** The optimizer this step runs (for tests: which one {@link Trainer#optimizerFor} chose). */
    Optimizer optimizer() {
        return adamw;
    }

    @Override
    public void zeroGrad() {
        adamw.zeroGrad();
    }

    @Override
    public long stepCount() {
        return adamw.stepCount();
    }

    @Override
    public long[] parameterSteps() {
        return adamw.parameterSteps();
    }

    @Override
    public Map<String, Tensor> state() {
        return adamw.state();
    }

    @Override
    public void loadState(Map<String, float[]> state, long stepCount, long[] parameterSteps) {
        adamw.loadState(state, stepCount, parameterSteps);
    }

    @Override
    public void close() {
        adamw.close();
    }
}

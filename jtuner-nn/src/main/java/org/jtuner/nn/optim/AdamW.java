package org.jtuner.nn.optim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * torch.optim.AdamW over a fixed list of trainable parameters, with F32 moment buffers that exist only for
 * trainable parameters. The learning rate is set per step by the caller (the schedule's job).
 */
public final class AdamW implements Optimizer {
    private final List<String> names;
    private final List<Parameter> params;
    private final double beta1, beta2, eps, weightDecay;
    private final List<Tensor> exp = new ArrayList<>(), expSq = new ArrayList<>();
    private long step;
    private final long[] paramSteps; // torch counts steps per parameter: one without a gradient is not stepped

    public AdamW(Map<String, Parameter> trainable, double beta1, double beta2, double eps, double weightDecay) {
        this.names = new ArrayList<>(trainable.keySet());
        this.params = new ArrayList<>(trainable.values());
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.paramSteps = new long[trainable.size()];
        for (Parameter p : params) {
            if (!p.trainable()) throw new IllegalArgumentException("AdamW was given a frozen parameter");
            exp.add(Scope.unscoped(() -> Tensor.zeros(p.shape())));
            expSq.add(Scope.unscoped(() -> Tensor.zeros(p.shape())));
        }
    }

    /** Applies one update with learning rate {@code lr} to every parameter that has a gradient. */
    public void step(double lr) {
        step++;
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i).value(), g = p.grad();
            if (g == null) continue;
            long t = ++paramSteps[i];
            double bc1 = 1 - Math.pow(beta1, t), bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
            if (p.dtype() != DType.F32) {
                throw new IllegalStateException("AdamW updates F32 weights; '" + names.get(i) + "' is " + p.dtype()
                        + " (keep F32 master weights for trainable parameters)");
            }
            p.backend().adamw(p, g, exp.get(i), expSq.get(i), lr, beta1, beta2, eps, weightDecay, bc1, bc2Sqrt);
        }
    }

    public void zeroGrad() {
        for (Parameter p : params) p.value().zeroGrad();
    }

    public long stepCount() {
        return step;
    }

    /** Steps taken by each parameter, in the order of the map given to the constructor (for checkpoints). */
    public long[] parameterSteps() {
        return paramSteps.clone();
    }

    /** Moment buffers by parameter name, for checkpoints: {@code name.exp_avg}, {@code name.exp_avg_sq}. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i) + ".exp_avg", exp.get(i));
            out.put(names.get(i) + ".exp_avg_sq", expSq.get(i));
        }
        return out;
    }

    /** Restores moments and the step count written by {@link #state()}. */
    public void loadState(Map<String, float[]> state, long stepCount, long[] parameterSteps) {
        if (parameterSteps.length != paramSteps.length) {
            throw new IllegalArgumentException("optimizer state has step counts for " + parameterSteps.length
                    + " parameters, this optimizer has " + paramSteps.length);
        }
        System.arraycopy(parameterSteps, 0, paramSteps, 0, paramSteps.length);
        loadState(state, stepCount);
    }

    private void loadState(Map<String, float[]> state, long stepCount) {
        for (int i = 0; i < names.size(); i++) {
            float[] m = state.get(names.get(i) + ".exp_avg"), v = state.get(names.get(i) + ".exp_avg_sq");
            if (m == null || v == null) {
                throw new IllegalArgumentException("optimizer state has no moments for '" + names.get(i) + "'");
            }
            copyInto(exp.get(i), m);
            copyInto(expSq.get(i), v);
        }
        step = stepCount;
    }

    private static void copyInto(Tensor t, float[] values) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            if (values.length != t.numel()) throw new IllegalArgumentException("optimizer state size mismatch");
            t.backend().copyFromHost(arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, values), t);
        }
    }

    @Override
    public void close() {
        exp.forEach(Tensor::close);
        expSq.forEach(Tensor::close);
    }
}

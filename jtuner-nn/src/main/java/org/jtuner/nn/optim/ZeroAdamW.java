package org.jtuner.nn.optim;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.dist.ProcessGroup;

/**
 * AdamW with ZeRO stage 1 (DeepSpeed's optimizer-state partitioning): the trainable parameters, laid end to end in
 * the order of the map, form one flat vector of N values; rank r owns the values {@code [r S, (r+1) S)} with
 * {@code S = ceil(N / world)} and keeps the F32 moments of those only, so optimizer memory per rank is 1/world of
 * {@link AdamW}'s. A step updates this rank's shard with the same kernel as AdamW (element by element, so the
 * result is the same bits) and then all-gathers the updated values, in buckets, into every rank's parameters.
 *
 * <p>Gradients: this class expects them already averaged across ranks (the trainer all-reduces them before clipping,
 * so that the clipped norm is the global one) and uses the slice of its shard: "all-reduced, then sliced", not
 * reduce-scattered. Trainable weights are F32 master weights in jtuner (only frozen weights are stored in BF16), so
 * there is no separate master copy to shard. The state of {@link #state()} is gathered whole, with AdamW's names, so
 * a checkpoint resumes at any world size, with or without ZeRO.
 */
public final class ZeroAdamW implements Optimizer {
    /** Values per rank in one all-gather call: bounds the transient buffers to {@code world x 16 MiB}. */
    private static final int GATHER_BUCKET = 1 << 22;

    private final ProcessGroup group;
    private final List<String> names;
    private final List<Parameter> params;
    private final long[] starts; // where each parameter starts in the flat vector
    private final long total, shardStart, shardEnd;
    private final int shardLength;
    private final double beta1, beta2, eps, weightDecay;
    private final Tensor exp, expSq; // [shardLength]: moments of flat values [shardStart, shardStart + shardLength)
    private long step;
    private final long[] paramSteps;

    public ZeroAdamW(ProcessGroup group, Map<String, Parameter> trainable, double beta1, double beta2, double eps,
                     double weightDecay) {
        this.group = group;
        this.names = new ArrayList<>(trainable.keySet());
        this.params = new ArrayList<>(trainable.values());
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.paramSteps = new long[params.size()];
        this.starts = new long[params.size()];
        long n = 0;
        for (int i = 0; i < params.size(); i++) {
            Tensor v = params.get(i).value();
            if (!params.get(i).trainable()) throw new IllegalArgumentException("ZeroAdamW was given a frozen parameter");
            if (v.dtype() != DType.F32 || v.device() != Device.CPU) {
                throw new IllegalArgumentException("ZeRO-1 over MPI updates F32 CPU weights; '" + names.get(i) + "' is "
                        + v.dtype() + " on " + v.device());
            }
            starts[i] = n;
            n += v.numel();
        }
        this.total = n;
        long per = (n + group.size() - 1) / group.size();
        if (per > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ZeRO-1: " + per + " values per rank exceed one tensor; use more ranks");
        }
        this.shardLength = (int) Math.max(1, per);
        this.shardStart = (long) group.rank() * per;
        this.shardEnd = Math.min(n, shardStart + per);
        this.exp = Scope.unscoped(() -> Tensor.zeros(shardLength));
        this.expSq = Scope.unscoped(() -> Tensor.zeros(shardLength));
    }

    /** The flat values {@code [first, end)} this rank owns (empty on a rank past the end of a tiny model). */
    public long[] shardRange() {
        return new long[] {shardStart, Math.max(shardStart, shardEnd)};
    }

    @Override
    public void step(double lr) {
        step++;
        boolean[] has = agreedGradients();
        try (Scope s = Scope.open()) {
            for (int i = 0; i < params.size(); i++) {
                if (!has[i]) continue;
                long t = ++paramSteps[i];
                long lo = Math.max(starts[i], shardStart), hi = Math.min(end(i), shardEnd);
                if (lo >= hi) continue; // not in this rank's shard
                double bc1 = 1 - Math.pow(beta1, t), bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
                Tensor p = flatRange(params.get(i).value(), lo - starts[i], hi - starts[i]);
                Tensor g = flatRange(params.get(i).value().grad(), lo - starts[i], hi - starts[i]);
                Tensor m = Ops.slice(exp, 0, (int) (lo - shardStart), (int) (hi - shardStart));
                Tensor v = Ops.slice(expSq, 0, (int) (lo - shardStart), (int) (hi - shardStart));
                p.backend().adamw(p, g, m, v, lr, beta1, beta2, eps, weightDecay, bc1, bc2Sqrt);
            }
        }
        gatherParameters();
    }

    /**
     * Which parameters have a gradient, agreed by every rank (one all-reduce of flags): a parameter with a gradient
     * on some ranks only means the gradients were not all-reduced, and every rank then throws the same error.
     */
    private boolean[] agreedGradients() {
        double[] flags = new double[2 * params.size()];
        for (int i = 0; i < params.size(); i++) {
            double f = params.get(i).value().grad() != null ? 1 : 0;
            flags[2 * i] = f;
            flags[2 * i + 1] = -f; // the max of -f is minus the min of f
        }
        group.allReduce(flags, ProcessGroup.Op.MAX);
        boolean[] has = new boolean[params.size()];
        for (int i = 0; i < params.size(); i++) {
            if (flags[2 * i] != -flags[2 * i + 1]) {
                throw new IllegalStateException("ZeRO-1: parameter '" + names.get(i) + "' has a gradient on some ranks "
                        + "and none on others; gradients must be all-reduced over every rank before the optimizer step");
            }
            has[i] = flags[2 * i] == 1;
        }
        return has;
    }

    /** Every rank's updated shard into every rank's parameters, one bucket of each shard per all-gather. */
    private void gatherParameters() {
        int world = group.size();
        for (int from = 0; from < shardLength; from += GATHER_BUCKET) {
            int len = Math.min(GATHER_BUCKET, shardLength - from);
            try (Scope s = Scope.open()) {
                Tensor mine = Tensor.zeros(len), all = Tensor.empty(DType.F32, world * len);
                copyFlat(shardStart + from, len, mine.segment(), 0, false);
                group.allGather(mine.segment(), all.segment(), len);
                for (int q = 0; q < world; q++) {
                    if (q != group.rank()) copyFlat((long) q * shardLength + from, len, all.segment(), (long) q * len, true);
                }
            }
        }
    }

    /**
     * Copies the flat values {@code [from, from + count)} (clipped to the N real values) between the parameters and
     * {@code buffer}, whose value {@code bufferIndex} stands for flat value {@code from}.
     */
    private void copyFlat(long from, long count, MemorySegment buffer, long bufferIndex, boolean intoParameters) {
        long to = Math.min(from + count, total);
        for (int i = 0; i < params.size() && from < to; i++) {
            long lo = Math.max(from, starts[i]), hi = Math.min(to, end(i));
            if (lo >= hi) continue;
            MemorySegment p = params.get(i).value().segment();
            long pAt = (lo - starts[i]) * 4, bAt = (bufferIndex + lo - from) * 4, bytes = (hi - lo) * 4;
            if (intoParameters) MemorySegment.copy(buffer, bAt, p, pAt, bytes);
            else MemorySegment.copy(p, pAt, buffer, bAt, bytes);
        }
    }

    private long end(int i) {
        return starts[i] + params.get(i).value().numel();
    }

    /** Values {@code [from, to)} of {@code t} in row-major order, as a 1-D view cut off from autograd. */
    private static Tensor flatRange(Tensor t, long from, long to) {
        return Ops.slice(t.detach().reshape((int) t.numel()), 0, (int) from, (int) to);
    }

    @Override
    public void zeroGrad() {
        for (Parameter p : params) p.value().zeroGrad();
    }

    @Override
    public long stepCount() {
        return step;
    }

    @Override
    public long[] parameterSteps() {
        return paramSteps.clone();
    }

    /** Gathers the whole moments from every rank (a collective: every rank calls it); tensors of the caller's scope. */
    @Override
    public Map<String, Tensor> state() {
        Tensor m = gatherWhole(exp), v = gatherWhole(expSq);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            int[] shape = params.get(i).shape();
            out.put(names.get(i) + ".exp_avg", Ops.slice(m, 0, (int) starts[i], (int) end(i)).reshape(shape));
            out.put(names.get(i) + ".exp_avg_sq", Ops.slice(v, 0, (int) starts[i], (int) end(i)).reshape(shape));
        }
        return out;
    }

    private Tensor gatherWhole(Tensor shard) {
        long all = (long) group.size() * shardLength;
        if (all > Integer.MAX_VALUE) throw new IllegalStateException("ZeRO-1: the optimizer state exceeds one tensor");
        Tensor whole = Tensor.empty(DType.F32, (int) all);
        group.allGather(shard.segment(), whole.segment(), shardLength);
        return whole;
    }

    /** Takes this rank's shard of a whole state (as {@link AdamW#state()} or {@link #state()} wrote it). */
    @Override
    public void loadState(Map<String, float[]> state, long stepCount, long[] parameterSteps) {
        if (parameterSteps.length != paramSteps.length) {
            throw new IllegalArgumentException("optimizer state has step counts for " + parameterSteps.length
                    + " parameters, this optimizer has " + paramSteps.length);
        }
        for (int i = 0; i < names.size(); i++) {
            float[] m = state.get(names.get(i) + ".exp_avg"), v = state.get(names.get(i) + ".exp_avg_sq");
            if (m == null || v == null) {
                throw new IllegalArgumentException("optimizer state has no moments for '" + names.get(i) + "'");
            }
            if (m.length != end(i) - starts[i] || v.length != m.length) {
                throw new IllegalArgumentException("optimizer state of '" + names.get(i) + "' has " + m.length
                        + " values, the parameter has " + (end(i) - starts[i]));
            }
            long lo = Math.max(starts[i], shardStart), hi = Math.min(end(i), shardEnd);
            if (lo >= hi) continue;
            int len = (int) (hi - lo), src = (int) (lo - starts[i]);
            long dst = (lo - shardStart) * 4;
            MemorySegment.copy(MemorySegment.ofArray(m), (long) src * 4, exp.segment(), dst, len * 4L);
            MemorySegment.copy(MemorySegment.ofArray(v), (long) src * 4, expSq.segment(), dst, len * 4L);
        }
        System.arraycopy(parameterSteps, 0, paramSteps, 0, paramSteps.length);
        step = stepCount;
    }

    @Override
    public void close() {
        exp.close();
        expSq.close();
    }

    @Override
    public String toString() {
        return "ZeRO-1 AdamW, rank " + group.rank() + " of " + group.size() + ": flat values [" + shardStart + ", "
                + Math.max(shardStart, shardEnd) + ") of " + total;
    }
}

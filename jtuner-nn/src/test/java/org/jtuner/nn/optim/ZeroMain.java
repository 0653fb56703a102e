package org.jtuner.nn.optim;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.cpu.CpuBackend;
import org.jtuner.tensor.dist.ProcessGroup;

/**
 * Run by {@link ZeroAdamWTest} (under mpirun, or in-process as a world of one): a small MLP trained on rank-dependent
 * data, its gradients averaged over ranks, stepped by {@link ZeroAdamW} and, from the same gradients, by plain
 * {@link AdamW} on a copy of the weights. Prints per rank the optimizer bytes each allocated (the backend's live bytes
 * around the constructor), the largest relative difference of the weights over the steps, of the gathered state, and
 * of a run resumed from the gathered state (a checkpoint) by a fresh ZeRO optimizer, beside the plain one going on.
 */
public final class ZeroMain {
    static final double LR = 1e-2, B1 = 0.9, B2 = 0.999, EPS = 1e-8, WD = 0.01;

    public static void main(String[] args) {
        try (ProcessGroup g = ProcessGroup.fromEnvironment()) {
            System.out.println(run(g));
        }
    }

    static String run(ProcessGroup g) {
        Map<String, Parameter> zeroParams = mlp(), plainParams = mlp();
        CpuBackend cpu = CpuBackend.INSTANCE;
        long before = cpu.liveBytes();
        AdamW plain = new AdamW(plainParams, B1, B2, EPS, WD);
        long plainBytes = cpu.liveBytes() - before;
        before = cpu.liveBytes();
        ZeroAdamW zero = new ZeroAdamW(g, zeroParams, B1, B2, EPS, WD);
        long zeroBytes = cpu.liveBytes() - before;
        double trajectory = 0;
        long growth = 0;
        for (int step = 1; step <= 6; step++) {
            long live = cpu.liveBytes();
            trainStep(g, step, zeroParams, plainParams, zero, plain);
            growth = Math.max(growth, cpu.liveBytes() - live);
            trajectory = Math.max(trajectory, maxRelative(zeroParams, plainParams));
        }
        double state;
        try (Scope s = Scope.open()) {
            state = maxRelativeTensors(zero.state(), plain.state());
        }
        // resume: a fresh ZeRO optimizer from the whole state gathered from the ranks (what a checkpoint holds; it
        // equals the plain optimizer's, state_rel, so it loads the same at any world size, and AdamW loads it too)
        Map<String, float[]> saved = new LinkedHashMap<>();
        try (Scope s = Scope.open()) {
            zero.state().forEach((n, t) -> saved.put(n, t.toFloatArray()));
        }
        ZeroAdamW resumed = new ZeroAdamW(g, zeroParams, B1, B2, EPS, WD);
        resumed.loadState(saved, zero.stepCount(), zero.parameterSteps());
        double resume = 0;
        for (int step = 7; step <= 9; step++) {
            trainStep(g, step, zeroParams, plainParams, resumed, plain);
            resume = Math.max(resume, maxRelative(zeroParams, plainParams));
        }
        double moved = maxRelative(zeroParams, mlp()); // that the weights did move away from their start
        zero.close();
        resumed.close();
        plain.close();
        return "rank " + g.rank() + " of " + g.size() + ": plain_bytes=" + plainBytes + " zero_bytes=" + zeroBytes
                + " growth=" + growth + " trajectory_rel=" + trajectory + " state_rel=" + state + " resume_rel=" + resume
                + " moved=" + moved + " steps=" + resumed.stepCount() + " " + zero;
    }

    /**
     * The parameters: y = W2 tanh(W1 x + b1) + b2, plus one that the loss never reaches (no gradient: never stepped).
     * 32768 values in all, so that each rank's shard at 2 ranks is a whole number of 4 KiB pages.
     */
    static Map<String, Parameter> mlp() {
        Random r = new Random(7);
        Map<String, Parameter> p = new LinkedHashMap<>();
        p.put("w1", new Parameter(Scope.unscoped(() -> Tensor.randn(r, 0.1, 256, 120)), true));
        p.put("b1", new Parameter(Scope.unscoped(() -> Tensor.randn(r, 0.1, 256)), true));
        p.put("unused", new Parameter(Scope.unscoped(() -> Tensor.randn(r, 0.1, 250)), true));
        p.put("w2", new Parameter(Scope.unscoped(() -> Tensor.randn(r, 0.1, 6, 256)), true));
        p.put("b2", new Parameter(Scope.unscoped(() -> Tensor.randn(r, 0.1, 6)), true));
        return p;
    }

    /** Forward and backward on this rank's batch, gradients averaged over ranks, then both optimizers step. */
    static void trainStep(ProcessGroup g, int step, Map<String, Parameter> zeroParams, Map<String, Parameter> plainParams,
                          Optimizer zero, Optimizer plain) {
        Random data = new Random(1000L * step + g.rank());
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.randn(data, 1, 8, 120), y = Tensor.randn(data, 1, 8, 6);
            Tensor h = Ops.tanh(Ops.add(Ops.matmul(x, Ops.transpose(zeroParams.get("w1").value(), 0, 1)),
                    zeroParams.get("b1").value()));
            Tensor out = Ops.add(Ops.matmul(h, Ops.transpose(zeroParams.get("w2").value(), 0, 1)),
                    zeroParams.get("b2").value());
            Ops.mean(Ops.square(Ops.sub(out, y))).backward();
        }
        zeroParams.forEach((n, p) -> {
            Tensor grad = p.value().grad();
            if (grad == null) return;
            MemorySegment seg = grad.segment();
            g.allReduceSum(seg, grad.numel());
            for (long i = 0; i < grad.numel(); i++) seg.setAtIndex(JAVA_FLOAT, i, seg.getAtIndex(JAVA_FLOAT, i) / g.size());
            try (Scope s = Scope.open()) {
                plainParams.get(n).value().accumulateGrad(grad.detach());
            }
        });
        double lr = LR * step / 6;
        zero.step(lr);
        plain.step(lr);
        zero.zeroGrad();
        plain.zeroGrad();
    }

    static double maxRelative(Map<String, Parameter> a, Map<String, Parameter> b) {
        double worst = 0;
        for (String n : a.keySet()) worst = Math.max(worst, relative(a.get(n).value().toFloatArray(), b.get(n).value().toFloatArray()));
        return worst;
    }

    static double maxRelativeTensors(Map<String, Tensor> a, Map<String, Tensor> b) {
        if (!a.keySet().equals(b.keySet())) throw new AssertionError("state names differ: " + a.keySet() + " vs " + b.keySet());
        double worst = 0;
        for (String n : a.keySet()) worst = Math.max(worst, relative(a.get(n).toFloatArray(), b.get(n).toFloatArray()));
        return worst;
    }

    /** ||a - b|| / ||b|| (0 when both are zero). */
    static double relative(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("sizes differ: " + a.length + " vs " + b.length);
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
            n += (double) b[i] * b[i];
        }
        return n == 0 ? Math.sqrt(d) : Math.sqrt(d / n);
    }
}

package org.jtuner.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
import org.jtuner.nn.optim.Optimizer;
import org.jtuner.nn.optim.ZeroAdamW;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.cpu.Parallel;
import org.jtuner.tensor.dist.ProcessGroup;
import org.jtuner.tensor.dist.RankGuard;

/**
 * The jtuner side of bench/ddp.sh: {@link TrainStepBench}'s LLaVA training step, data-parallel over the ranks of an
 * mpirun job as PyTorch's DistributedDataParallel runs it (bench/torch_llava_ddp.py): every rank builds the same
 * model from the same seed, takes its own batch (seeded by its rank), runs forward and backward on the loss divided
 * by the world size, all-reduces (sums) each gradient over MPI, clips by the global norm and steps AdamW (or, with
 * {@code --zero 1}, ZeRO-1's sharded AdamW). Without mpirun it is one rank: the plain single-process step.
 *
 * <p>Usage: {@code mpirun -np N java ... DdpStepBench [--steps N] [--warmup W] [--warmup-s S] [--zero 0|1] [small|medium]}.
 * Rank 0 prints {@code jtuner-ddp <size> world <n> step_ms <median> tokens_per_s <global> allreduce_ms <median>
 * loss <first>..<last> threads <t> warmup <steps> steps <all> model_gflop <per rank and step>}: a step's time is the
 * slowest rank's, tokens/s counts every rank's batch, model_gflop is {@link StepFlops#modelFlops}. One rank also prints
 * {@code jtuner-peak fma_gflops <one core's F32 multiply-add peak>} ({@link StepFlops#fmaPeakGflops}).
 */
public final class DdpStepBench {
    public static void main(String[] args) {
        int steps = 5, warmup = 3, zero = 0;
        double warmupSeconds = 0;
        TrainStepBench.Size size = TrainStepBench.MEDIUM;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--warmup-s" -> warmupSeconds = Double.parseDouble(args[++i]);
                case "--zero" -> zero = Integer.parseInt(args[++i]);
                case "small" -> size = TrainStepBench.SMALL;
                case "medium" -> size = TrainStepBench.MEDIUM;
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (usage: DdpStepBench "
                        + "[--steps N] [--warmup W] [--warmup-s S] [--zero 0|1] [small|medium])");
            }
        }
        ProcessGroup group = ProcessGroup.fromEnvironment();
        int s = steps, w = warmup, z = zero;
        double ws = warmupSeconds;
        TrainStepBench.Size sz = size;
        RankGuard.run(group, () -> run(group, sz, w, ws, s, z));
        group.close();
    }

    static void run(ProcessGroup group, TrainStepBench.Size z, int minWarmup, double warmupSeconds, int steps, int zero) {
        int world = group.size();
        Random data = new Random(1000 + group.rank()); // each rank its own batch
        int b = z.batch(), t = z.sequence();
        TrainStepBench.Tokens tokens = TrainStepBench.Tokens.random(z, data);
        // the same weights on every rank: the same seed (DDP broadcasts rank 0's instead)
        try (LlavaForConditionalGeneration model = LlavaForConditionalGeneration.create(TrainStepBench.config(z), new Random(0))) {
            model.setTrainable(true);
            model.train(true);
            Map<String, Parameter> trainable = new LinkedHashMap<>();
            model.namedParameters().forEach((n, p) -> {
                if (p.trainable()) trainable.put(n, p);
            });
            Tensor inputIds = Tensor.ofInts(tokens.ids(), b, t), attentionMask = Tensor.ofInts(tokens.mask(), b, t);
            Tensor labelIds = Tensor.ofInts(tokens.labels(), b, t), pixels = Tensor.randn(data, 1.0, b, 3, z.image(), z.image());
            double[] total = new double[steps], comm = new double[steps];
            double firstLoss = Double.NaN, lastLoss = Double.NaN;
            long started = System.nanoTime();
            int warmup = -1;
            try (Optimizer optimizer = zero == 1 && world > 1
                    ? new ZeroAdamW(group, trainable, 0.9, 0.999, 1e-8, TrainStepBench.WEIGHT_DECAY)
                    : new AdamW(trainable, 0.9, 0.999, 1e-8, TrainStepBench.WEIGHT_DECAY)) {
                for (int i = 0; warmup < 0 || i < warmup + steps; i++) {
                    // every rank ends the warm-up at the same step (the first rank whose clock says so decides)
                    double[] done = {i >= minWarmup && (System.nanoTime() - started) / 1e9 >= warmupSeconds ? 1 : 0};
                    group.allReduce(done, ProcessGroup.Op.MAX);
                    if (warmup < 0 && done[0] == 1) warmup = i;
                    long t0 = System.nanoTime();
                    double loss;
                    try (Scope s = Scope.open()) {
                        Tensor l = model.trainingLoss(inputIds, attentionMask, pixels, labelIds);
                        loss = l.item();
                        (world == 1 ? l : l.mul(1.0 / world)).backward(); // the sum over ranks is the mean gradient
                    }
                    long t1 = System.nanoTime();
                    for (Parameter p : trainable.values()) {
                        Tensor g = p.value().grad();
                        if (g != null) group.allReduceSum(g.segment(), g.numel());
                    }
                    long t2 = System.nanoTime();
                    GradClip.clip(trainable.values(), TrainStepBench.MAX_NORM);
                    optimizer.step(TrainStepBench.LR);
                    optimizer.zeroGrad();
                    double[] times = {(System.nanoTime() - t0) / 1e6, (t2 - t1) / 1e6};
                    group.allReduce(times, ProcessGroup.Op.MAX); // the step takes as long as its slowest rank
                    if (!Double.isFinite(loss)) throw new IllegalStateException("loss is " + loss + " at step " + i);
                    if (i == 0) firstLoss = loss;
                    lastLoss = loss;
                    if (warmup >= 0) {
                        total[i - warmup] = times[0];
                        comm[i - warmup] = times[1];
                    }
                }
            } finally {
                inputIds.close();
                attentionMask.close();
                labelIds.close();
                pixels.close();
            }
            if (!group.isMain()) return;
            double ms = TrainStepBench.median(total);
            StringBuilder all = new StringBuilder();
            for (double d : total) all.append(all.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.0f", d));
            System.out.printf(Locale.ROOT, "jtuner-ddp %s world %d step_ms %.1f tokens_per_s %.1f allreduce_ms %.1f "
                            + "loss %.4f..%.4f zero %d threads %d warmup %d steps %s model_gflop %.3f%n", z.name(), world, ms,
                    (double) world * b * t / (ms / 1000), TrainStepBench.median(comm), firstLoss, lastLoss,
                    zero, Parallel.threads(), warmup, all, StepFlops.modelFlops(z) / 1e9);
            // alone on the machine's core (the other ranks have finished): what one core can do at most
            if (world == 1) System.out.printf(Locale.ROOT, "jtuner-peak fma_gflops %.1f%n", StepFlops.fmaPeakGflops());
            System.out.flush();
        }
    }

    private DdpStepBench() {}
}

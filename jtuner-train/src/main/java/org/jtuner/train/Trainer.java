package org.jtuner.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.LrSchedule;
import org.jtuner.nn.optim.Optimizer;
import org.jtuner.nn.optim.ZeroAdamW;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.cpu.CpuBackend;
import org.jtuner.tensor.dist.ProcessGroup;
import org.jtuner.train.config.RunConfig;

/**
 * The training loop: one micro-batch per iteration (forward, loss, backward), an optimizer step every
 * {@code accumulative_counts} iterations (clip, AdamW, learning rate from the schedule), metrics, checkpoints,
 * evaluation. Iterations count micro-batches, as mmengine's do.
 *
 * <p>Data parallel: every rank of the process group runs this loop on its own batches, in step. Each iteration
 * all-reduces a few numbers (loss, tokens, a non-finite flag), so that the reported loss and tokens are global and
 * every rank takes the same decision on a non-finite loss; at each optimizer step the gradients are summed over the
 * ranks and scaled by the loss reduction (see {@link #gradScale}) before clipping, so the clipped norm is the global
 * one. An empty batch (every sample skipped as bad) contributes no gradient and no tokens. Only rank 0 writes
 * metrics, the plot, evaluation answers and checkpoints.
 */
public final class Trainer implements AutoCloseable {
    /** What one iteration did. {@code loss} is the micro-batch's mean token loss. */
    public record StepReport(long iteration, double loss, double gradNorm, double lr, boolean optimizerStepped,
                             long tokens, double seconds) {}

    /** Thrown when the loss stops being finite and the config says to stop. */
    public static final class NonFiniteLossException extends RuntimeException {
        NonFiniteLossException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PENDING_GRAD = "pending_grad.";

    private final RunConfig config;
    private final String resolvedYaml;
    private final Module model;
    private final MicroBatches data;
    private final Path workDir;
    private final Map<String, Parameter> trainable = new LinkedHashMap<>();
    private final ProcessGroup group;
    private final boolean tokenMean;
    private final OptimizerStep optimizer;
    private final LrSchedule schedule;
    private final long totalIters;
    private final Checkpoints checkpoints;
    private long iteration;
    private double lastGradNorm = Double.NaN;
    private double lastLoggedLoss = Double.NaN;
    /** Loss tokens (labels that count) of all ranks since the last optimizer step. */
    private long windowLossTokens;

    /** A LLaVA run in one process: {@code data}'s batches through {@code model}. */
    public Trainer(RunConfig config, String resolvedYaml, LlavaForConditionalGeneration model, BatchSource data,
                   Path workDir) {
        this(config, resolvedYaml, model, new LlavaMicroBatches(model, data), workDir, ProcessGroup.single());
    }

    /** A LLaVA trainer for one rank of {@code group}; {@code data} gives this rank's batches. */
    public Trainer(RunConfig config, String resolvedYaml, LlavaForConditionalGeneration model, BatchSource data,
                   Path workDir, ProcessGroup group) {
        this(config, resolvedYaml, model, new LlavaMicroBatches(model, data), workDir, group);
    }

    /** Any model family's run in one process: {@code model}'s trainable parameters, {@code data}'s losses. */
    public Trainer(RunConfig config, String resolvedYaml, Module model, MicroBatches data, Path workDir) {
        this(config, resolvedYaml, model, data, workDir, ProcessGroup.single());
    }

    /** Any model family's trainer for one rank of {@code group}; {@code data} gives this rank's micro-batches. */
    public Trainer(RunConfig config, String resolvedYaml, Module model, MicroBatches data, Path workDir,
                   ProcessGroup group) {
        this.config = config;
        this.group = group;
        this.tokenMean = config.train().lossReduction().equals("tokens");
        this.resolvedYaml = resolvedYaml;
        this.model = model;
        this.data = data;
        this.workDir = workDir;
        model.namedParameters().forEach((n, p) -> {
            if (p.trainable()) trainable.put(n, p);
        });
        if (trainable.isEmpty()) throw new IllegalArgumentException("nothing to train: every parameter is frozen");
        RunConfig.OptimConfig o = config.optim();
        this.optimizer = optimizerFor(config, trainable, group);
        this.totalIters = o.maxIters() != null ? o.maxIters() : o.epochs() * data.batchesPerEpoch();
        this.schedule = LrSchedule.of(LrSchedule.Kind.parse(o.scheduler()), o.lr(), o.etaMin(),
                LrSchedule.warmupIters(o.warmupSteps(), o.warmupRatio(), totalIters), totalIters);
        this.checkpoints = new Checkpoints(workDir);
    }

    /**
     * The one place where the optimizer is chosen: the ranks' gradients summed, scaled and clipped, then AdamW, whole
     * on every rank, or under {@code train.zero: 1} in a job of several ranks ZeRO stage 1 (moments sharded).
     */
    static OptimizerStep optimizerFor(RunConfig config, Map<String, Parameter> trainable, ProcessGroup group) {
        RunConfig.OptimConfig o = config.optim();
        double b1 = o.betas().get(0), b2 = o.betas().get(1);
        Optimizer adamw = config.train().zero() == 1 && group.size() > 1
                ? new ZeroAdamW(group, trainable, b1, b2, o.eps(), o.weightDecay())
                : new AdamW(trainable, b1, b2, o.eps(), o.weightDecay());
        return new DataParallelStep(trainable, adamw, group);
    }

    /** The optimizer step this trainer runs (for tests). */
    OptimizerStep optimizerStep() {
        return optimizer;
    }

    public long totalIterations() {
        return totalIters;
    }

    /** The mean loss of the last logging window (NaN before the first log line). */
    public double lastLoggedLoss() {
        return lastLoggedLoss;
    }

    public long iteration() {
        return iteration;
    }

    public Map<String, Parameter> trainableParameters() {
        return trainable;
    }

    public Module model() {
        return model;
    }

    /** Runs the next iteration (on every rank together). */
    public StepReport step() {
        long started = System.nanoTime();
        long it = iteration;
        int accumulate = config.optim().accumulativeCounts();
        double loss = Double.NaN;
        long lossTokens = 0;
        long tokens = 0;
        boolean ran = false;
        model.train(true);
        // An empty batch (every sample skipped as bad) runs nothing but still joins the collectives below.
        try (Scope s = Scope.open()) {
            MicroBatches.Forward f = data.forward(it);
            if (f != null) {
                ran = true;
                Tensor l = f.loss();
                loss = l.item();
                lossTokens = f.lossTokens();
                tokens = f.tokens();
                // A batch that reaches no trainable weight (text only while only the projector trains) has no gradient.
                if (Double.isFinite(loss) && l.requiresGrad()) {
                    // mean: mmengine's OptimWrapper scales each micro-batch loss by 1/accumulative_counts;
                    // tokens: the sum of the token losses, divided by the window's global token count at the step
                    double scale = tokenMean ? lossTokens : 1.0 / accumulate;
                    (scale == 1 ? l : l.mul(scale)).backward();
                }
            }
        }
        iteration++;
        boolean stepNow = iteration % accumulate == 0 || iteration == totalIters;
        double lr = schedule.lr(it);
        GlobalLoss global = GlobalLoss.of(group, ran, loss, lossTokens, tokens, tokenMean);
        if (global.nonFiniteRanks() > 0) {
            optimizer.zeroGrad();
            windowLossTokens = 0;
            if (config.train().onNan().equals("stop")) {
                Path last = checkpoints.latest();
                String where = group.size() == 1 ? "" : " on rank " + global.firstNonFiniteRank(group, ran && !Double.isFinite(loss));
                throw new NonFiniteLossException("loss is " + (Double.isFinite(loss) ? "not finite" : loss) + where
                        + " at iteration " + (it + 1) + "; stopped. "
                        + (last == null ? "No checkpoint was saved yet." : "Last good checkpoint: " + last)
                        + " (set train.on_nan: skip to skip such steps instead)");
            }
            return new StepReport(it + 1, Double.isFinite(loss) ? Double.NaN : loss, Double.NaN, lr, false,
                    global.tokens(), seconds(started));
        }
        windowLossTokens += global.lossTokens();
        // A window in which no rank had a token to learn from (all batches empty) makes no update.
        boolean stepped = stepNow && windowLossTokens > 0;
        if (stepped) lastGradNorm = optimizer.step(lr, gradScale(), config.optim().maxNorm());
        if (stepNow) {
            optimizer.zeroGrad();
            windowLossTokens = 0;
        }
        return new StepReport(it + 1, global.loss(), stepped ? lastGradNorm : Double.NaN, lr, stepped, global.tokens(),
                seconds(started));
    }

    /**
     * What the summed gradients are multiplied by: {@code mean} averages over the ranks (each micro-batch's loss was
     * already divided by the accumulation count, XTuner's rule); {@code tokens} divides the summed token losses by
     * the global batch's token count.
     */
    private double gradScale() {
        return tokenMean ? 1.0 / windowLossTokens : 1.0 / group.size();
    }

    /**
     * One iteration's loss over all ranks. {@code loss} is the mean of the ranks' mean token losses (XTuner logs
     * that) or, under {@code tokens}, the mean over all their tokens; NaN when no rank had a batch.
     */
    private record GlobalLoss(double loss, long lossTokens, long tokens, int nonFiniteRanks) {
        /** {@code ran}: this rank had a batch; its {@code loss} is then its mean token loss. */
        static GlobalLoss of(ProcessGroup group, boolean ran, double loss, long lossTokens, long tokens, boolean tokenMean) {
            boolean finite = ran && Double.isFinite(loss);
            // [ranks with a loss, sum of rank losses, sum of token losses, loss tokens, tokens, non-finite ranks]
            double[] v = {finite ? 1 : 0, finite ? loss : 0, finite ? loss * lossTokens : 0, finite ? lossTokens : 0,
                    tokens, ran && !finite ? 1 : 0};
            if (group.size() > 1) group.allReduce(v, ProcessGroup.Op.SUM);
            double mean = v[0] == 0 ? Double.NaN : tokenMean ? v[2] / v[3] : v[1] / v[0];
            return new GlobalLoss(group.size() == 1 && finite ? loss : mean, (long) v[3], (long) v[4], (int) v[5]);
        }

        /** The lowest rank whose loss was not finite (a collective: every rank calls it). */
        int firstNonFiniteRank(ProcessGroup group, boolean nonFiniteHere) {
            double[] r = {nonFiniteHere ? group.rank() : group.size()};
            group.allReduce(r, ProcessGroup.Op.MIN);
            return (int) r[0];
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Trains to the end: metrics every {@code log_steps}, a checkpoint every {@code save_steps} and at the end,
     * the evaluation hook every {@code evaluation.freq} iterations and at the end. Only rank 0 logs, evaluates
     * and writes; the other ranks train alongside.
     */
    public void run(LongConsumer evaluation, TrainingProgress progress) {
        boolean main = group.isMain();
        try (MetricsLog metrics = main ? new MetricsLog(workDir.resolve("metrics.jsonl"), iteration > 0) : null) {
            if (main) metrics.truncateAfter(iteration);
            long windowTokens = 0;
            double windowSeconds = 0, windowLoss = 0;
            int windowSteps = 0;
            while (iteration < totalIters) {
                StepReport r = step();
                windowTokens += r.tokens();
                windowSeconds += r.seconds();
                if (Double.isFinite(r.loss())) {
                    windowLoss += r.loss();
                    windowSteps++;
                }
                if (main) progress.update(r, totalIters);
                if (main && !Double.isFinite(r.loss())) {
                    // an empty batch (every sample skipped as bad) also reports no loss
                    String event = r.tokens() == 0 ? "empty_batch" : "skipped_non_finite_loss";
                    metrics.event(JSON.createObjectNode().put("event", event).put("step", r.iteration()));
                }
                boolean last = iteration == totalIters;
                if (windowSteps > 0 && (iteration % config.logging().logSteps() == 0 || last || iteration == 1)) {
                    // the mean loss of the iterations since the last log line, as mmengine's logger reports it
                    lastLoggedLoss = windowLoss / windowSteps;
                    if (main) metrics.log(new MetricsLog.Step(r.iteration(), lastLoggedLoss, r.lr(), lastGradNorm,
                            windowSeconds > 0 ? windowTokens / windowSeconds : 0, CpuBackend.INSTANCE.liveBytes()));
                    windowTokens = 0;
                    windowSeconds = 0;
                    windowLoss = 0;
                    windowSteps = 0;
                }
                if (main && (iteration % config.evaluation().freq() == 0 || last)) evaluation.accept(iteration);
                if (iteration % config.checkpoint().saveSteps() == 0 || last) {
                    saveCheckpoint();
                    if (main) LossPlot.write(workDir.resolve("loss.png"), metrics.steps(), config.name() == null ? "training" : config.name());
                }
            }
        }
        if (main) progress.close();
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * Writes a checkpoint for the current iteration (trainable weights, optimizer, state, config). Every rank calls
     * it (the gradients gathered so far in the accumulation window are summed over the ranks, and a sharded optimizer
     * gathers its state); rank 0 writes and returns the folder (the other ranks return where it goes).
     */
    public Path saveCheckpoint() {
        if (group.size() > 1) sumPendingGradientsOnRankZero();
        try (Scope gathered = Scope.open()) { // a sharded optimizer's gathered state lives until written
            return writeCheckpoint();
        }
    }

    private Path writeCheckpoint() {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        trainable.forEach((n, p) -> weights.put(n, p.value()));
        ObjectNode state = JSON.createObjectNode();
        state.put("iteration", iteration);
        state.put("optimizer_steps", optimizer.stepCount());
        var perParam = state.putArray("parameter_steps");
        for (long n : optimizer.parameterSteps()) perParam.add(n);
        state.put("total_iterations", totalIters);
        state.put("last_grad_norm", lastGradNorm);
        state.put("window_loss_tokens", windowLossTokens);
        state.put("world_size", group.size());
        ObjectNode dropout = state.putObject("lora_dropout_counters");
        dropoutLayers(model).forEach((n, l) -> dropout.put(n, l.dropoutCounter()));
        Map<String, Tensor> optimizerState = new LinkedHashMap<>(optimizer.state());
        if (!group.isMain()) return checkpoints.folder(iteration);
        // Mid-way through an accumulation window the gradients gathered so far are part of the state too.
        trainable.forEach((n, p) -> {
            if (p.value().grad() != null) optimizerState.put(PENDING_GRAD + n, p.value().grad());
        });
        return checkpoints.save(iteration, weights, optimizerState, state, resolvedYaml,
                config.checkpoint().saveTotalLimit());
    }

    /**
     * Mid-way through an accumulation window each rank holds its own partial gradients; their sum is what the next
     * step would all-reduce, so rank 0 keeps the sum and the others drop theirs (a resumed run then sums the same).
     */
    private void sumPendingGradientsOnRankZero() {
        double[] pending = {0};
        for (Parameter p : trainable.values()) if (p.value().grad() != null) pending[0] = 1;
        group.allReduce(pending, ProcessGroup.Op.MAX);
        if (pending[0] == 0) return;
        DataParallelStep.sumOverRanks(List.copyOf(trainable.values()), group);
        if (!group.isMain()) optimizer.zeroGrad();
    }

    /** Restores a checkpoint written by {@link #saveCheckpoint}: the run continues as if never interrupted. */
    public void resume(Path checkpoint) {
        if (!Files.isRegularFile(checkpoint.resolve(Checkpoints.STATE))) {
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": no " + Checkpoints.STATE
                    + " there (a checkpoint folder iter_<step> of this work dir is expected)");
        }
        ObjectNode state = Checkpoints.readState(checkpoint);
        int world = state.path("world_size").asInt(1);
        if (world != group.size()) {
            // the sampler's slices and the iterations per epoch depend on the world size: another one is another run
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": it was written by a run of "
                    + world + " rank(s), this one has " + group.size() + "; resume with "
                    + (world == 1 ? "a single process (no mpirun)" : "mpirun -np " + world + " (or --nproc " + world + ")"));
        }
        Module m = model;
        ModelSetup.loadWeights(m, checkpoint.resolve(Checkpoints.WEIGHTS));
        Map<String, float[]> moments = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(checkpoint.resolve(Checkpoints.OPTIMIZER))) {
            for (String n : f.names()) moments.put(n, f.readFloats(n));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the optimizer state of " + checkpoint + ": " + e.getMessage(), e);
        }
        long[] perParam = new long[state.path("parameter_steps").size()];
        for (int i = 0; i < perParam.length; i++) perParam[i] = state.get("parameter_steps").get(i).asLong();
        optimizer.loadState(moments, state.get("optimizer_steps").asLong(), perParam);
        optimizer.zeroGrad();
        moments.forEach((n, values) -> {
            // the window's gradients so far, summed over the ranks: rank 0 carries them on
            if (!n.startsWith(PENDING_GRAD) || !group.isMain()) return;
            Parameter p = trainable.get(n.substring(PENDING_GRAD.length()));
            if (p == null) throw new IllegalArgumentException(checkpoint + ": gradient for unknown parameter " + n);
            try (Scope s = Scope.open()) {
                p.value().accumulateGrad(Tensor.of(values, p.shape()));
            }
        });
        iteration = state.get("iteration").asLong();
        lastGradNorm = state.path("last_grad_norm").asDouble(Double.NaN);
        windowLossTokens = state.path("window_loss_tokens").asLong(0);
        Map<String, Linear> layers = dropoutLayers(model);
        state.path("lora_dropout_counters").fields().forEachRemaining(e -> {
            Linear l = layers.get(e.getKey());
            if (l != null) l.setDropoutCounter(e.getValue().asLong());
        });
    }

    public Checkpoints checkpoints() {
        return checkpoints;
    }

    private static Map<String, Linear> dropoutLayers(Module model) {
        Map<String, Linear> out = new LinkedHashMap<>();
        model.namedModules().forEach((n, m) -> {
            if (m instanceof Linear l && l.hasLora()) out.put(n, l);
        });
        return out;
    }

    /** The trainable parameter names (what a checkpoint's weights file holds). */
    public List<String> trainableNames() {
        return List.copyOf(trainable.keySet());
    }

    @Override
    public void close() {
        optimizer.close();
        data.close();
    }
}

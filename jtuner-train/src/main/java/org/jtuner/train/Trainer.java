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

import org.jtuner.data.Batch;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.nn.optim.AdamW;
import org.jtuner.nn.optim.GradClip;
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
    private final LlavaForConditionalGeneration model;
    private final BatchSource data;
    private final Path workDir;
    private final Map<String, Parameter> trainable = new LinkedHashMap<>();
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private final long totalIters;
    private final Checkpoints checkpoints;
    private long iteration;
    private double lastGradNorm = Double.NaN;
    private double lastLoggedLoss = Double.NaN;

    public Trainer(RunConfig config, String resolvedYaml, LlavaForConditionalGeneration model, BatchSource data,
                   Path workDir) {
        this.config = config;
        this.resolvedYaml = resolvedYaml;
        this.model = model;
        this.data = data;
        this.workDir = workDir;
        model.namedParameters().forEach((n, p) -> {
            if (p.trainable()) trainable.put(n, p);
        });
        if (trainable.isEmpty()) throw new IllegalArgumentException("nothing to train: every parameter is frozen");
        RunConfig.OptimConfig o = config.optim();
        this.optimizer = optimizer(trainable, o, config.train().zero());
        this.totalIters = o.maxIters() != null ? o.maxIters() : o.epochs() * data.batchesPerEpoch();
        this.schedule = LrSchedule.of(LrSchedule.Kind.parse(o.scheduler()), o.lr(), o.etaMin(),
                LrSchedule.warmupIters(o.warmupSteps(), o.warmupRatio(), totalIters), totalIters);
        this.checkpoints = new Checkpoints(workDir);
    }

    /** AdamW; under {@code train.zero: 1} in a job of several ranks its moments are sharded (ZeRO stage 1). */
    private static Optimizer optimizer(Map<String, Parameter> trainable, RunConfig.OptimConfig o, int zeroStage) {
        double b1 = o.betas().get(0), b2 = o.betas().get(1);
        if (zeroStage == 1 && ProcessGroup.launchedByMpirun()) {
            ProcessGroup group = ProcessGroup.fromEnvironment(); // MPI is initialised once per process: the job's group
            if (group.size() > 1) return new ZeroAdamW(group, trainable, b1, b2, o.eps(), o.weightDecay());
        }
        return new AdamW(trainable, b1, b2, o.eps(), o.weightDecay());
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

    public LlavaForConditionalGeneration model() {
        return model;
    }

    /** Runs the next iteration. */
    public StepReport step() {
        long started = System.nanoTime();
        long it = iteration;
        Batch b = data.batch(it);
        int accumulate = config.optim().accumulativeCounts();
        double loss;
        model.train(true);
        if (b.isEmpty()) {
            // Every sample of this batch was skipped as bad: nothing to learn, but the iteration still counts.
            iteration++;
            return new StepReport(it + 1, Double.NaN, Double.NaN, schedule.lr(it), false, 0, seconds(started));
        }
        try (Scope s = Scope.open()) {
            Batch.Tensors t = b.toTensors();
            Tensor logits = model.forward(t.inputIds(), t.attentionMask(), t.pixelValues());
            Tensor l = LlavaForConditionalGeneration.loss(logits, t.labels());
            loss = l.item();
            // A batch that reaches no trainable weight (text only while only the projector trains) has no gradient.
            if (Double.isFinite(loss) && l.requiresGrad()) {
                // mmengine's OptimWrapper scales each micro-batch loss by 1/accumulative_counts
                (accumulate == 1 ? l : l.mul(1.0 / accumulate)).backward();
            }
        }
        iteration++;
        boolean stepNow = iteration % accumulate == 0 || iteration == totalIters;
        double lr = schedule.lr(it);
        if (!Double.isFinite(loss)) {
            optimizer.zeroGrad();
            if (config.train().onNan().equals("stop")) {
                Path last = checkpoints.latest();
                throw new NonFiniteLossException("loss is " + loss + " at iteration " + (it + 1) + "; stopped. "
                        + (last == null ? "No checkpoint was saved yet." : "Last good checkpoint: " + last)
                        + " (set train.on_nan: skip to skip such steps instead)");
            }
            return new StepReport(it + 1, loss, Double.NaN, lr, false, b.tokens(), seconds(started));
        }
        if (stepNow) {
            lastGradNorm = GradClip.clip(trainable.values(), config.optim().maxNorm());
            optimizer.step(lr);
            optimizer.zeroGrad();
        }
        return new StepReport(it + 1, loss, stepNow ? lastGradNorm : Double.NaN, lr, stepNow, b.tokens(),
                seconds(started));
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Trains to the end: metrics every {@code log_steps}, a checkpoint every {@code save_steps} and at the end,
     * the evaluation hook every {@code evaluation.freq} iterations and at the end.
     */
    public void run(LongConsumer evaluation, TrainingProgress progress) {
        try (MetricsLog metrics = new MetricsLog(workDir.resolve("metrics.jsonl"), iteration > 0)) {
            metrics.truncateAfter(iteration);
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
                progress.update(r, totalIters);
                if (!Double.isFinite(r.loss())) {
                    // an empty batch (every sample skipped as bad) also reports no loss
                    String event = r.tokens() == 0 ? "empty_batch" : "skipped_non_finite_loss";
                    metrics.event(JSON.createObjectNode().put("event", event).put("step", r.iteration()));
                }
                boolean last = iteration == totalIters;
                if (windowSteps > 0 && (iteration % config.logging().logSteps() == 0 || last || iteration == 1)) {
                    // the mean loss of the iterations since the last log line, as mmengine's logger reports it
                    lastLoggedLoss = windowLoss / windowSteps;
                    metrics.log(new MetricsLog.Step(r.iteration(), lastLoggedLoss, r.lr(), lastGradNorm,
                            windowSeconds > 0 ? windowTokens / windowSeconds : 0, CpuBackend.INSTANCE.liveBytes()));
                    windowTokens = 0;
                    windowSeconds = 0;
                    windowLoss = 0;
                    windowSteps = 0;
                }
                if (iteration % config.evaluation().freq() == 0 || last) evaluation.accept(iteration);
                if (iteration % config.checkpoint().saveSteps() == 0 || last) {
                    saveCheckpoint();
                    LossPlot.write(workDir.resolve("loss.png"), metrics.steps(), config.name() == null ? "training" : config.name());
                }
            }
        }
        progress.close();
    }

    // ------------------------------------------------------------------ checkpoints

    /**
     * Writes a checkpoint for the current iteration (trainable weights, optimizer, state, config). Under ZeRO-1 the
     * optimizer state is gathered from every rank, so every rank calls this.
     */
    public Path saveCheckpoint() {
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
        ObjectNode dropout = state.putObject("lora_dropout_counters");
        dropoutLayers(model).forEach((n, l) -> dropout.put(n, l.dropoutCounter()));
        Map<String, Tensor> optimizerState = new LinkedHashMap<>(optimizer.state());
        // Mid-way through an accumulation window the gradients gathered so far are part of the state too.
        trainable.forEach((n, p) -> {
            if (p.value().grad() != null) optimizerState.put(PENDING_GRAD + n, p.value().grad());
        });
        return checkpoints.save(iteration, weights, optimizerState, state, resolvedYaml,
                config.checkpoint().saveTotalLimit());
    }

    /** Restores a checkpoint written by {@link #saveCheckpoint}: the run continues as if never interrupted. */
    public void resume(Path checkpoint) {
        if (!Files.isRegularFile(checkpoint.resolve(Checkpoints.STATE))) {
            throw new IllegalArgumentException("cannot resume from " + checkpoint + ": no " + Checkpoints.STATE
                    + " there (a checkpoint folder iter_<step> of this work dir is expected)");
        }
        ObjectNode state = Checkpoints.readState(checkpoint);
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
            if (!n.startsWith(PENDING_GRAD)) return;
            Parameter p = trainable.get(n.substring(PENDING_GRAD.length()));
            if (p == null) throw new IllegalArgumentException(checkpoint + ": gradient for unknown parameter " + n);
            try (Scope s = Scope.open()) {
                p.value().accumulateGrad(Tensor.of(values, p.shape()));
            }
        });
        iteration = state.get("iteration").asLong();
        lastGradNorm = state.path("last_grad_norm").asDouble(Double.NaN);
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

package org.jtuner.train;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import org.jtuner.data.Collator;
import org.jtuner.data.DataConfig;
import org.jtuner.data.LlavaData;
import org.jtuner.data.mllama.MllamaData;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.models.mllama.MllamaConfig;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.tensor.dist.ProcessGroup;
import org.jtuner.tensor.dist.RankGuard;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;
import org.jtuner.train.cot.CotBenchmark;

/**
 * {@code jtuner train}: a config (file or built-in name) with overrides becomes a work directory with the resolved
 * config, metrics, checkpoints, evaluation answers and loss.png. Also the demo's way in, so both share one path.
 */
public final class TrainRun {
    /** What a finished run leaves: its work dir, final checkpoint and evaluation answers; {@code rank} of this process. */
    public record Result(Path workDir, Path finalCheckpoint, List<String> answers, double lastLoss,
                         boolean alreadyFinished, int rank) {}

    private TrainRun() {}

    /** Rank 0's seed on every rank (one seed drives every rank's sampler, so that an epoch trains each sample once). */
    static long sharedSeed(ProcessGroup group, long seed) {
        if (group.size() == 1) return seed;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(ValueLayout.JAVA_LONG, seed);
            group.broadcast(s, 0);
            return s.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    /** Resolves the config and its defaults: data.tokenizer falls back to the LLM's (or the LLaVA checkpoint's) folder. */
    public static ObjectNode resolve(String config, List<String> overrides) {
        ObjectNode tree = ConfigFiles.load(config, overrides);
        ObjectNode data = tree.has("data") && tree.get("data").isObject() ? (ObjectNode) tree.get("data") : tree.putObject("data");
        if (!data.hasNonNull("tokenizer")) {
            var model = tree.path("model");
            String dir = model.hasNonNull("llm") ? model.get("llm").asText()
                    : model.hasNonNull("mllama") ? model.get("mllama").asText() : model.path("llava").asText(null);
            if (dir != null) data.set("tokenizer", TextNode.valueOf(dir));
        }
        if (tree.path("model").hasNonNull("mllama") && !data.hasNonNull("image_processor")) {
            // a Llama-3.2-Vision folder holds its preprocessor_config.json
            data.set("image_processor", tree.get("model").get("mllama"));
        }
        if (!tree.hasNonNull("name")) {
            String base = Path.of(config).getFileName().toString().replaceFirst("\\.ya?ml$", "");
            tree.put("name", base);
        }
        return tree;
    }

    /**
     * Trains. {@code resume}: null for a fresh run, "latest" for the newest checkpoint of the work dir, or a path.
     */
    public static Result run(ObjectNode tree, Path workDir, String resume, PrintStream out) {
        return run(tree, workDir, resume, out, ProcessGroup.single());
    }

    /**
     * {@code jtuner train}: as one rank of the MPI job when {@code mpirun} started this process, else alone. Only
     * rank 0 prints to {@code out}. A rank that fails leaves without finalising MPI, so that mpirun stops the job.
     */
    public static Result runAsLaunched(ObjectNode tree, Path workDir, String resume, PrintStream out) {
        ProcessGroup group = ProcessGroup.fromEnvironment();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Result[] r = new Result[1];
        // a rank that throws (or runs out of memory) names itself and aborts the job, so no other rank waits for ever
        RankGuard.run(group, () -> r[0] = run(tree, workDir, resume, group.isMain() ? out : quiet, group));
        group.close();
        return r[0];
    }

    /**
     * Trains as one rank of {@code group} (data parallel): every rank reads the same config and data, samples its
     * slice of one order drawn from rank 0's seed, and trains in step; rank 0 writes the work dir (every rank reads
     * the checkpoint it resumes from, so on several machines the work dir is a shared folder).
     */
    public static Result run(ObjectNode tree, Path workDir, String resume, PrintStream out, ProcessGroup group) {
        String where = "config " + tree.path("name").asText();
        RunConfig config = RunConfig.bind(tree, where);
        DataConfig dataConfig = DataConfig.fromYamlSection(tree.get("data"));
        if (config.model().mllama() != null) {
            if (group.size() > 1) {
                throw new IllegalArgumentException(where + ": data-parallel training (" + group.size() + " ranks) runs "
                        + "LLaVA models only so far; train model.mllama in one process");
            }
            return runMllama(tree, config, dataConfig, workDir, resume, out);
        }
        try {
            Files.createDirectories(workDir);
            String yaml = ConfigFiles.YAML.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
            if (group.isMain()) Files.writeString(workDir.resolve("config.yaml"), yaml);
            long seed = sharedSeed(group, config.train().seed());
            if (group.size() > 1) {
                out.printf("data parallel: %d ranks, batch %d per rank x %d ranks x %d accumulation = %d samples per step%n",
                        group.size(), dataConfig.perDeviceBatchSize(), group.size(), config.optim().accumulativeCounts(),
                        dataConfig.perDeviceBatchSize() * group.size() * config.optim().accumulativeCounts());
            }
            Random random = new Random(seed);
            LlavaData data = LlavaData.open(dataConfig, out::println);
            LlavaForConditionalGeneration model = ModelSetup.build(config.model(), config.train().precision(),
                    dataConfig.imageTokenIndex(), random);
            if (model.tokensPerImage() != dataConfig.imageSeqLength()) {
                model.close();
                throw new IllegalArgumentException("data.image_seq_length is " + dataConfig.imageSeqLength()
                        + " but the vision encoder gives " + model.tokensPerImage() + " image tokens per image: set "
                        + "data.image_seq_length: " + model.tokensPerImage());
            }
            if (config.train().activationCheckpointing()) model.setActivationCheckpointing(true);
            out.printf("model: %,d parameters, %,d trainable%n", model.parameterCount(false), model.parameterCount(true));
            // a sample skipped on another rank is reported too (that rank prints nothing else)
            Consumer<String> skips = group.isMain() ? out::println
                    : line -> System.err.println("rank " + group.rank() + ": " + line);
            BatchSource batches = new LlavaBatchSource(data.loader(group.size(), group.rank(), seed, skips));
            if (config.logging().sampleIds()) batches = new SampleIdLog(batches, workDir, group.rank());
            try (Trainer trainer = new Trainer(config, yaml, model, batches, workDir, group)) {
                Path finished = resume(trainer, workDir, resume, out);
                if (finished != null) return new Result(workDir, finished, List.of(), Double.NaN, true, group.rank());
                Evaluator evaluator = new Evaluator(model, data.tokenizer(), data.template(), data.images(),
                        config.evaluation().system(), config.evaluation().maxNewTokens());
                List<String> answers = new ArrayList<>();
                ObjectMapper json = new ObjectMapper();
                try (MetricsLog events = group.isMain() ? new MetricsLog(workDir.resolve("eval.jsonl"), true) : null) {
                    trainer.run(iteration -> {
                        answers.clear();
                        for (RunConfig.Prompt p : config.evaluation().prompts()) {
                            String a = evaluator.answer(p.text(), p.image() == null ? null : Path.of(p.image()));
                            answers.add(a);
                            out.printf("eval @%d: %s -> %s%n", iteration, p.text(), a);
                            ObjectNode e = json.createObjectNode().put("step", iteration).put("prompt", p.text())
                                    .put("image", p.image()).put("answer", a);
                            events.event(e);
                        }
                        for (String file : config.evaluation().cotBenchmarks()) {
                            // CoT scoring in the trainer's hook (until the eval command of the chat/eval issue takes it)
                            try {
                                Path f = Path.of(file);
                                Path images = config.evaluation().cotImageFolder() == null ? null : Path.of(config.evaluation().cotImageFolder());
                                CotBenchmark.Score sc = CotBenchmark.score(f, CotBenchmark.read(f, images), evaluator::answer);
                                out.printf("eval @%d: %s: CoT answer accuracy %.1f%%, structure validity %.1f%% (%d items)%n",
                                        iteration, file, 100 * sc.accuracy(), 100 * sc.structureValidity(), sc.items());
                                events.event(json.createObjectNode().put("step", iteration).put("cot_benchmark", file)
                                        .put("items", sc.items()).put("answer_accuracy", sc.accuracy())
                                        .put("structure_validity", sc.structureValidity()));
                            } catch (IOException e) {
                                throw new UncheckedIOException("evaluation.cot_benchmarks: " + file + ": " + e.getMessage(), e);
                            }
                        }
                    }, new TrainingProgress(config.name() == null ? "train" : config.name(), out, config.logging().logSteps()));
                }
                if (batches.skippedSamples() > 0) out.println("skipped " + batches.skippedSamples() + " bad samples");
                return new Result(workDir, trainer.checkpoints().latest(), List.copyOf(answers), trainer.lastLoggedLoss(),
                        false, group.rank());
            } finally {
                model.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /**
     * Continues from a checkpoint when {@code resume} asks ("latest": the work dir's newest, else a path); returns the
     * checkpoint when the run had already finished there (nothing left to train), else null.
     */
    private static Path resume(Trainer trainer, Path workDir, String resume, PrintStream out) {
        if (resume == null) return null;
        Path from = "latest".equals(resume) ? trainer.checkpoints().latest() : Path.of(resume);
        if (from == null) throw new IllegalArgumentException("--resume: no checkpoint in " + workDir + " to resume from");
        trainer.resume(from);
        out.println("resumed from " + from + " at iteration " + trainer.iteration());
        return trainer.iteration() >= trainer.totalIterations() ? from : null;
    }

    /**
     * A Llama-3.2-Vision run ({@code model.mllama}): the same trainer, checkpoints and resume as LLaVA's, with the mllama
     * data path. Evaluation prompts need generation, which is not wired for mllama: they are refused, not skipped.
     */
    private static Result runMllama(ObjectNode tree, RunConfig config, DataConfig dataConfig, Path workDir, String resume,
                                    PrintStream out) {
        if (!config.evaluation().prompts().isEmpty() || !config.evaluation().cotBenchmarks().isEmpty()) {
            throw new IllegalArgumentException("evaluation.prompts and evaluation.cot_benchmarks need generation, which "
                    + "jtuner does not run for mllama models yet: set evaluation.prompts: [] and evaluation.cot_benchmarks: []");
        }
        try {
            Files.createDirectories(workDir);
            String yaml = ConfigFiles.YAML.writerWithDefaultPrettyPrinter().writeValueAsString(tree);
            Files.writeString(workDir.resolve("config.yaml"), yaml);
            MllamaForConditionalGeneration model = MllamaSetup.build(config.model(), config.train().precision(),
                    new Random(config.train().seed()));
            try {
                MllamaConfig mc = model.config();
                // the model's image_token_index is <|image|>'s id, one token per image
                MllamaData data = MllamaData.open(dataConfig.withImageTokens(mc.imageTokenIndex(), 1), out::println);
                if (config.train().activationCheckpointing()) MllamaSetup.setActivationCheckpointing(model, true);
                out.printf("model: %,d parameters, %,d trainable%n", model.parameterCount(false), model.parameterCount(true));
                int pad = mc.textConfig().llama().padTokenId().orElse(Collator.DEFAULT_PAD_TOKEN_ID);
                MllamaMicroBatches batches = new MllamaMicroBatches(model,
                        data.loader(1, 0, config.train().seed(), pad, out::println));
                try (Trainer trainer = new Trainer(config, yaml, model, batches, workDir)) {
                    Path finished = resume(trainer, workDir, resume, out);
                    if (finished != null) return new Result(workDir, finished, List.of(), Double.NaN, true, 0);
                    trainer.run(iteration -> {}, new TrainingProgress(config.name() == null ? "train" : config.name(), out,
                            config.logging().logSteps()));
                    if (batches.skippedSamples() > 0) out.println("skipped " + batches.skippedSamples() + " bad samples");
                    return new Result(workDir, trainer.checkpoints().latest(), List.of(), trainer.lastLoggedLoss(), false, 0);
                }
            } finally {
                model.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}

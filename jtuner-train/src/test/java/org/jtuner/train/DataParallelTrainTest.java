package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.testing.MpiRun;
import org.jtuner.train.demo.Demo;
import org.jtuner.train.demo.DemoTokenizer;
import org.jtuner.train.demo.ShapesDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner train} data parallel under a real {@code mpirun} (2 ranks x 1 thread) on a tiny LLaVA (the demo's
 * random tiny Llama and CLIP; LoRA on every linear layer of the LLM, the projector trained), against the same
 * training in one process with the same samples per optimizer step: the global batch is
 * {@code batch x world x accumulation}, so 2 ranks x batch 2 must give what 1 rank x batch 2 x accumulation 2 gives.
 */
class DataParallelTrainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path root;
    private static Path data, llm, vision;

    @BeforeAll
    static void writeModelsAndData() throws IOException {
        MpiRun.mpirun(); // skips (fails under CI) before any work when Open MPI is missing
        data = root.resolve("data");
        llm = root.resolve("models/llm");
        vision = root.resolve("models/clip");
        List<String> words = new ArrayList<>(ShapesDataset.vocabulary());
        words.addAll(List.of("USER", "ASSISTANT"));
        Demo.writeLlm(llm, DemoTokenizer.write(llm, words));
        Demo.writeVision(vision);
        // 20 samples that all have the same number of loss tokens (then a mean of micro-batch means does not depend
        // on how a step's samples are split), picked from more by what the data layer encodes
        List<ShapesDataset.Sample> candidates = ShapesDataset.generate(data, "eq", 60, 0.25, 32, 5);
        ShapesDataset.writeJson(data.resolve("candidates.json"), candidates);
        int[] counts = lossTokenCounts(config("candidates", "candidates.json", 2, "shuffle", 1, 1, "scheduler: constant", "mean", 1));
        Map<Integer, Integer> histogram = new TreeMap<>();
        for (int c : counts) histogram.merge(c, 1, Integer::sum);
        int common = histogram.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        List<ShapesDataset.Sample> equal = new ArrayList<>();
        for (int k = 0; k < candidates.size() && equal.size() < 20; k++) if (counts[k] == common) equal.add(candidates.get(k));
        assertThat(equal).as("samples with %d loss tokens", common).hasSize(20);
        assertThat(equal).anyMatch(x -> x.image() == null).anyMatch(x -> x.image() != null);
        ShapesDataset.writeJson(data.resolve("equal.json"), equal);
        // 22 samples (not a multiple of the 4 of a global batch) whose answers repeat 1 to 4 times: unequal lengths
        List<ShapesDataset.Sample> unequal = new ArrayList<>();
        int i = 0;
        for (ShapesDataset.Sample s : ShapesDataset.generate(data, "uneq", 22, 0.3, 32, 6)) {
            String answer = String.join(" ", Collections.nCopies(1 + i++ % 4, s.answer()));
            unequal.add(new ShapesDataset.Sample(s.id(), s.image(), s.question(), answer));
        }
        ShapesDataset.writeJson(data.resolve("unequal.json"), unequal);

        // the tests' 2-rank runs in one mpirun job
        trainOnTwoRanks(meanConfig(2, 1, 5).toString(), root.resolve("work/dp2").toString(), "--",
                tokenConfig(2).toString(), root.resolve("work/tokens2").toString(), "--",
                zeroConfig().toString(), root.resolve("work/dp2zero").toString());
    }

    /** 20 samples, 2 epochs; a constant learning rate (the schedule counts micro-batches, which differ between runs). */
    private static Path meanConfig(int world, int accumulate, int saveSteps) throws IOException {
        return meanConfig(world, accumulate, saveSteps, world == 2 ? "dp2" : "acc2");
    }

    private static Path meanConfig(int world, int accumulate, int saveSteps, String name) throws IOException {
        return config(name, "equal.json", 2, "shuffle", 2, accumulate,
                "scheduler: constant, warmup_ratio: 0", "mean", saveSteps);
    }

    /** dp2 under ZeRO stage 1 (the reduction field carries the extra train key). */
    private static Path zeroConfig() throws IOException {
        return config("dp2zero", "equal.json", 2, "shuffle", 2, 1, "scheduler: constant, warmup_ratio: 0", "mean, zero: 1", 5);
    }

    private static Path tokenConfig(int batch) throws IOException {
        return config("tokens" + batch, "unequal.json", batch, "length_grouped", 1, 1, "scheduler: cosine, warmup_ratio: 0.2",
                "tokens", 1000);
    }

    /** A run config over the demo's fine-tune recipe, with the paths of the files written above. */
    private static Path config(String name, String file, int batch, String sampler, int epochs, int accumulate,
                               String schedule, String reduction, int saveSteps) throws IOException {
        Path c = root.resolve(name + ".yaml");
        Files.writeString(c, """
                extends: demo_finetune
                name: %s
                model: {llm: %s, vision_encoder: %s, llm_lora: {r: 8, alpha: 16, dropout: 0.0, target_modules: all-linear}}
                data: {files: [%s], image_folder: %s, image_processor: %s, tokenizer: %s, num_workers: 0,
                       per_device_batch_size: %d, sampler: {type: %s}}
                optim: {lr: 1.0e-3, max_norm: 1.0, weight_decay: 0.01, epochs: %d, accumulative_counts: %d, %s}
                train: {loss_reduction: %s}
                checkpoint: {save_steps: %d, save_total_limit: 0}
                logging: {log_steps: 1, sample_ids: true}
                """.formatted(name, llm, vision, data.resolve(file), data, vision, llm, batch, sampler, epochs, accumulate,
                schedule, reduction, saveSteps));
        return c;
    }

    private static void trainInProcess(Path config, Path workDir) {
        long t0 = System.nanoTime();
        try { trainInProcess0(config, workDir); } finally { System.out.printf("in process: %.1f s%n", (System.nanoTime() - t0) / 1e9); }
    }

    private static void trainInProcess0(Path config, Path workDir) {
        TrainRun.run(TrainRun.resolve(config.toString(), List.of()), workDir, null, new PrintStream(PrintStream.nullOutputStream()));
    }

    /** One mpirun job of 2 ranks running {@code CONFIG WORK_DIR [RESUME]} runs one after the other ("--" between). */
    private static void trainOnTwoRanks(String... runs) {
        MpiRun.Result r = MpiRun.run(2, TrainRankMain.class, 180, runs);
        System.out.printf("mpirun 2 ranks: %.1f s%n", r.seconds());
        assertThat(r.exitCode()).as(r.output()).isZero();
        for (String run : String.join(" ", runs).split(" -- ")) {
            String name = Path.of(run.split(" ")[1]).getFileName().toString(); // each run's WORK_DIR
            assertThat(r.output()).contains("rank 0: " + name + " done", "rank 1: " + name + " done");
        }
    }

    @Test
    void twoRanksOfBatchTwoTrainAsOneRankWithAccumulationTwo_andResumeContinuesTheSameRun() throws IOException {
        // 20 samples, batch 2 per rank, 2 ranks: 5 steps per epoch, 2 epochs = 10 optimizer steps
        Path dp = root.resolve("work/dp2"), ref = root.resolve("work/acc2");
        trainInProcess(meanConfig(1, 2, 1000), ref);

        List<JsonNode> dpLines = metrics(dp), refLines = metrics(ref);
        assertThat(dpLines).hasSize(10);
        assertThat(refLines).hasSize(20);
        for (int s = 0; s < 10; s++) {
            // one step of the reference: the mean of its two micro-batch losses (equal token counts), its norm
            double want = (refLines.get(2 * s).get("loss").asDouble() + refLines.get(2 * s + 1).get("loss").asDouble()) / 2;
            assertThat(relative(dpLines.get(s).get("loss").asDouble(), want)).as("loss of step %d", s + 1).isLessThan(1e-5);
            assertThat(relative(dpLines.get(s).get("grad_norm").asDouble(), refLines.get(2 * s + 1).get("grad_norm").asDouble()))
                    .as("grad norm before clipping, step %d", s + 1).isLessThan(1e-5);
        }
        assertSameWeights(dp.resolve("iter_10"), ref.resolve("iter_20"), 1e-5);

        // the two ranks of each step trained the four samples of the reference's two micro-batches; each epoch once
        List<List<Integer>> refBatches = sampleLog(ref, 0), rank0 = sampleLog(dp, 0), rank1 = sampleLog(dp, 1);
        assertThat(rank0).hasSize(10);
        for (int s = 0; s < 10; s++) {
            List<Integer> got = new ArrayList<>(rank0.get(s));
            got.addAll(rank1.get(s));
            List<Integer> want = new ArrayList<>(refBatches.get(2 * s));
            want.addAll(refBatches.get(2 * s + 1));
            assertThat(got).as("samples of step %d", s + 1).containsExactlyInAnyOrderElementsOf(want);
        }
        for (int epoch = 0; epoch < 2; epoch++) {
            List<Integer> seen = new ArrayList<>();
            for (int s = 5 * epoch; s < 5 * epoch + 5; s++) {
                seen.addAll(rank0.get(s));
                seen.addAll(rank1.get(s));
            }
            assertThat(seen).as("epoch %d over both ranks", epoch).containsExactlyInAnyOrderElementsOf(range(20));
        }
        assertThat(sampleLog(dp, 0).get(0)).as("ranks train different samples").doesNotContainAnyElementsOf(rank1.get(0));

        // resume: a copy of the work dir cut back to its step-5 checkpoint, resumed on 2 ranks, ends where the straight run did
        Path split = root.resolve("work/dp2-resumed");
        copyTree(dp.resolve("iter_5"), split.resolve("iter_5"));
        Files.copy(dp.resolve("metrics.jsonl"), split.resolve("metrics.jsonl"));
        trainOnTwoRanks(meanConfig(2, 1, 5).toString(), split.toString(), "latest");
        List<JsonNode> resumed = metrics(split);
        assertThat(resumed).hasSize(10);
        for (int s = 5; s < 10; s++) {
            assertThat(resumed.get(s).get("loss").asDouble()).as("loss of step %d after resume", s + 1)
                    .isEqualTo(dpLines.get(s).get("loss").asDouble());
        }
        assertSameWeights(split.resolve("iter_10"), dp.resolve("iter_10"), 0);
    }

    @Test
    void tokenMeanOfTwoRanksOfBatchTwoEqualsOneRankOfBatchFour() throws IOException {
        Path dp = root.resolve("work/tokens2"), ref = root.resolve("work/tokens1");
        trainInProcess(tokenConfig(4), ref);

        // 22 samples, 4 per step: 6 steps, the last two samples of the epoch repeat its first two (round-up)
        List<JsonNode> dpLines = metrics(dp), refLines = metrics(ref);
        assertThat(dpLines).hasSize(6);
        assertThat(refLines).hasSize(6);
        for (int s = 0; s < 6; s++) {
            assertThat(relative(dpLines.get(s).get("loss").asDouble(), refLines.get(s).get("loss").asDouble()))
                    .as("loss of step %d", s + 1).isLessThan(1e-5);
            assertThat(relative(dpLines.get(s).get("grad_norm").asDouble(), refLines.get(s).get("grad_norm").asDouble()))
                    .as("grad norm of step %d", s + 1).isLessThan(1e-5);
        }
        assertSameWeights(dp.resolve("iter_6"), ref.resolve("iter_6"), 1e-5);

        List<List<Integer>> order = sampleLog(ref, 0), rank0 = sampleLog(dp, 0), rank1 = sampleLog(dp, 1);
        List<Integer> epoch = new ArrayList<>();
        order.forEach(epoch::addAll);
        assertThat(epoch.subList(0, 22)).containsExactlyInAnyOrderElementsOf(range(22));
        assertThat(epoch.subList(22, 24)).containsExactlyElementsOf(epoch.subList(0, 2));
        for (int s = 0; s < 6; s++) {
            List<Integer> got = new ArrayList<>(rank0.get(s));
            got.addAll(rank1.get(s));
            assertThat(got).as("samples of step %d", s + 1).containsExactlyInAnyOrderElementsOf(order.get(s));
        }
    }

    /** {@code train.zero: 1} under a real mpirun: the trajectory, weights and checkpointed optimizer state of dp2. */
    @Test
    void zeroStageOneOnTwoRanksFollowsTheUnshardedRun() throws IOException {
        Path zero = root.resolve("work/dp2zero"), dp = root.resolve("work/dp2");
        List<JsonNode> zeroLines = metrics(zero), dpLines = metrics(dp);
        assertThat(zeroLines).hasSize(10);
        for (int s = 0; s < 10; s++) {
            assertThat(relative(zeroLines.get(s).get("loss").asDouble(), dpLines.get(s).get("loss").asDouble()))
                    .as("loss of step %d", s + 1).isLessThan(1e-6);
            assertThat(relative(zeroLines.get(s).get("grad_norm").asDouble(), dpLines.get(s).get("grad_norm").asDouble()))
                    .as("grad norm of step %d", s + 1).isLessThan(1e-6);
        }
        assertSameWeights(zero.resolve("iter_10"), dp.resolve("iter_10"), 1e-6);
        // the gathered optimizer state of the ZeRO checkpoint is the unsharded one (relative L2 per tensor)
        Map<String, float[]> a = tensors(zero.resolve("iter_5").resolve(Checkpoints.OPTIMIZER)),
                b = tensors(dp.resolve("iter_5").resolve(Checkpoints.OPTIMIZER));
        assertThat(a.keySet()).isNotEmpty().containsExactlyElementsOf(b.keySet());
        a.forEach((n, x) -> {
            double diff = 0, norm = 0;
            for (int i = 0; i < x.length; i++) {
                diff += (x[i] - b.get(n)[i]) * (double) (x[i] - b.get(n)[i]);
                norm += b.get(n)[i] * (double) b.get(n)[i];
            }
            assertThat(Math.sqrt(diff / Math.max(norm, 1e-30))).as(n).isLessThan(1e-6);
        });
    }

    /**
     * {@code kill -9} of rank 1 after the first checkpoint of a run that checkpoints every step: the job ends non-zero
     * within 60 s, mpirun's output names the killed rank, and {@code --resume latest} in a new 2-rank job finishes the
     * run with the weights of the uninterrupted one (the same 10 steps as {@code dp2}, which checkpoints less often).
     */
    @Test
    void killingOneRankStopsTheJobAndResumeFinishesTheRunAsIfUninterrupted() throws Exception {
        Path killed = root.resolve("work/killed");
        Path config = meanConfig(2, 1, 1, "killed");
        Path log = Files.createTempFile("mpirun-kill", ".log");
        Process job = new ProcessBuilder(MpiRun.command(2, TrainRankMain.class, config.toString(), killed.toString()))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long pid = pidOfRank1(log, job);
            awaitOrFail(() -> Files.isRegularFile(killed.resolve("iter_1").resolve(Checkpoints.STATE)), job, log, "no checkpoint iter_1");
            long killedAt = System.nanoTime();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL: the rank cannot report anything itself
            boolean ended = job.waitFor(90, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - killedAt) / 1e9;
            String out = Files.readString(log, StandardCharsets.UTF_8);
            System.out.printf("job ended %.1f s after the kill%n", seconds);
            assertThat(ended).as("the job still runs 90 s after rank 1 was killed:\n" + out).isTrue();
            assertThat(job.exitValue()).as(out).isNotZero();
            assertThat(seconds).as(out).isLessThan(60);
            assertThat(out).containsPattern("process rank 1 with PID \\d+ on node \\S+ exited on signal 9");
            assertThat(out).as("killed before the run ended").doesNotContain("killed done");
        } finally {
            job.descendants().forEach(ProcessHandle::destroyForcibly);
            job.destroyForcibly();
            Files.deleteIfExists(log);
        }
        // a checkpoint still being written at the kill is a .tmp-iter_<step> folder, never taken as the latest
        Path latest = new Checkpoints(killed).latest();
        assertThat(latest).isNotNull();
        Path half = killed.resolve(".tmp-iter_99");
        Files.createDirectories(half);
        Files.writeString(half.resolve(Checkpoints.STATE), "{}");
        assertThat(new Checkpoints(killed).latest()).isEqualTo(latest);
        assertThat(Checkpoints.stepOf(latest)).isLessThan(10);

        trainOnTwoRanks(config.toString(), killed.toString(), "latest");
        assertSameWeights(killed.resolve("iter_10"), root.resolve("work/dp2/iter_10"), 0);
    }

    private static long pidOfRank1(Path log, Process job) throws IOException, InterruptedException {
        Pattern started = Pattern.compile("rank 1 pid (\\d+) started");
        long[] pid = {-1};
        awaitOrFail(() -> {
            try {
                Matcher m = started.matcher(Files.readString(log, StandardCharsets.UTF_8));
                if (m.find()) pid[0] = Long.parseLong(m.group(1));
                return pid[0] > 0;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, job, log, "rank 1 never said it started");
        return pid[0];
    }

    private static void awaitOrFail(BooleanSupplier done, Process job, Path log, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline && job.isAlive()) {
            if (done.getAsBoolean()) return;
            Thread.sleep(20);
        }
        throw new AssertionError(what + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Each sample's loss tokens (labels that count, after the shift) as the data layer encodes it. */
    private static int[] lossTokenCounts(Path config) throws IOException {
        var tree = TrainRun.resolve(config.toString(), List.of());
        var d = org.jtuner.data.LlavaData.open(org.jtuner.data.DataConfig.fromYamlSection(tree.get("data")), x -> {});
        int[] out = new int[d.dataset().size()];
        for (int i = 0; i < out.length; i++) {
            int[] labels = d.dataset().get(i).labels();
            for (int t = 1; t < labels.length; t++) if (labels[t] != -100) out[i]++;
        }
        return out;
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(i);
        return out;
    }

    private static double relative(double got, double want) {
        return Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
    }

    /** The metrics lines with a loss (not events) by step; a resumed run's line replaces the one it repeats. */
    private static List<JsonNode> metrics(Path workDir) throws IOException {
        Map<Long, JsonNode> byStep = new TreeMap<>();
        for (String line : Files.readAllLines(workDir.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) byStep.put(n.get("step").asLong(), n);
        }
        return new ArrayList<>(byStep.values());
    }

    /** The dataset indices of each batch rank {@code rank} trained, in order. */
    private static List<List<Integer>> sampleLog(Path workDir, int rank) throws IOException {
        List<List<Integer>> out = new ArrayList<>();
        for (String line : Files.readAllLines(workDir.resolve("sample_ids/rank" + rank + ".jsonl"))) {
            List<Integer> b = new ArrayList<>();
            JSON.readTree(line).get("indices").forEach(i -> b.add(i.asInt()));
            out.add(b);
        }
        return out;
    }

    /** Every trained tensor of two checkpoints agrees within {@code tolerance} (relative L2; 0: bit for bit). */
    private static void assertSameWeights(Path a, Path b, double tolerance) throws IOException {
        Map<String, float[]> wa = weights(a), wb = weights(b);
        assertThat(wa.keySet()).isNotEmpty().containsExactlyElementsOf(wb.keySet());
        assertThat(wa.keySet()).anyMatch(n -> n.contains("lora")).anyMatch(n -> n.contains("projector"));
        wa.forEach((n, x) -> {
            float[] y = wb.get(n);
            if (tolerance == 0) {
                assertThat(x).as(n).containsExactly(y);
                return;
            }
            double diff = 0, norm = 0;
            for (int i = 0; i < x.length; i++) {
                diff += (x[i] - y[i]) * (double) (x[i] - y[i]);
                norm += y[i] * (double) y[i];
            }
            assertThat(Math.sqrt(diff / Math.max(norm, 1e-30))).as(n).isLessThan(tolerance);
        });
    }

    private static Map<String, float[]> weights(Path checkpoint) throws IOException {
        return tensors(checkpoint.resolve(Checkpoints.WEIGHTS));
    }

    private static Map<String, float[]> tensors(Path file) throws IOException {
        Map<String, float[]> out = new TreeMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) out.put(n, f.readFloats(n));
        }
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}

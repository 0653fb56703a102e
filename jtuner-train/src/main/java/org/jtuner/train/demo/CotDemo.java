package org.jtuner.train.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.ClipImageLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.LlavaData;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.train.Evaluator;
import org.jtuner.train.ModelSetup;
import org.jtuner.train.TrainRun;
import org.jtuner.train.config.RunConfig;
import org.jtuner.train.cot.CotScoring;

/**
 * {@code jtuner demo --cot}: the demo with LLaVA-CoT's staged answers ({@link CotAnswers}), trained with the CoT
 * recipe in miniature ({@code demo_cot_*}: stage validation, warm-up + linear decay, image augmentation unless
 * switched off) through the same stages as {@link Demo}, and judged as LLaVA-CoT is: answer accuracy read from
 * {@code <CONCLUSION>} and structure validity (all four stages well formed), before and after.
 */
public final class CotDemo {
    /** Held-out scores before training and after stage 2. */
    public record Result(double accuracyBefore, double structureBefore, double accuracyAfter, double structureAfter) {}

    /** Answer accuracy and structure validity of one evaluation. */
    record Score(double accuracy, double structure) {}

    private CotDemo() {}

    /**
     * @param augment   train with the config's augmentation ({@code false}: {@code data.augment} off)
     * @param epochs    epochs of stage 0 and stage 2 (null: the configs'), so a test can run a reduced demo
     */
    public static Result run(Path workDir, int trainSamples, int heldOut, boolean augment, Integer epochs, PrintStream out) {
        try {
            long started = System.nanoTime();
            Path data = workDir.resolve("data"), models = workDir.resolve("models");
            out.println("demo --cot: writing " + trainSamples + " training and " + heldOut + " held-out samples with staged answers to " + data);
            List<ShapesDataset.Scene> train = ShapesDataset.generateScenes(data, "train", trainSamples, 0.15, Demo.IMAGE_SIZE, 1);
            List<ShapesDataset.Scene> test = ShapesDataset.generateScenes(data, "test", heldOut, 0.15, Demo.IMAGE_SIZE, 2);
            ShapesDataset.writeJson(data.resolve("train.json"), staged(train, true));
            ShapesDataset.writeJson(data.resolve("text.json"), staged(train, false));
            ShapesDataset.writeJson(data.resolve("test.json"), staged(test, true));
            List<String> words = new ArrayList<>(ShapesDataset.vocabulary());
            for (String w : CotAnswers.vocabulary()) if (!words.contains(w)) words.add(w);
            words.addAll(List.of("USER", "ASSISTANT"));
            Path llm = models.resolve("tiny-llm"), vision = models.resolve("tiny-clip");
            int vocab = DemoTokenizer.write(llm, words);
            Demo.writeLlm(llm, vocab);
            Demo.writeVision(vision);
            out.printf("demo --cot: tokenizer (%d tokens), tiny LLM and tiny CLIP written to %s%n", vocab, models);

            List<String> paths = new ArrayList<>(List.of("model.vision_encoder=" + vision, "data.image_folder=" + data,
                    "data.image_processor=" + vision, "data.tokenizer=" + llm));
            if (!augment) paths.add("data.augment=null");
            if (epochs != null) paths.add("optim.epochs=" + epochs);
            List<String> stage0Keys = new ArrayList<>(paths);
            stage0Keys.addAll(List.of("model.llm=" + llm, "data.files=[" + data.resolve("text.json") + "]"));
            var stage0 = TrainRun.resolve("demo_cot_llm", stage0Keys);
            Score before = score(stage0, null, test, data, out, "before");

            out.println("demo --cot: stage 0 (the tiny LLM learns the language of the staged answers from their text)");
            Path work0 = workDir.resolve("stage0");
            TrainRun.Result r0 = TrainRun.run(stage0, work0, null, out);
            Path pretrainedLlm = models.resolve("tiny-llm-pretrained");
            Demo.exportLanguageModel(stage0, r0.finalCheckpoint(), llm, pretrainedLlm);

            List<String> common = new ArrayList<>(paths);
            common.addAll(List.of("model.llm=" + pretrainedLlm, "data.files=[" + data.resolve("train.json") + "]"));
            if (epochs != null) common.remove("optim.epochs=" + epochs); // stage 1 keeps its single epoch
            var stage1 = TrainRun.resolve("demo_cot_pretrain", common);
            out.println("demo --cot: stage 1 (projector only" + (augment ? ", augmented images" : "") + ")");
            Path work1 = workDir.resolve("stage1");
            TrainRun.Result r1 = TrainRun.run(stage1, work1, null, out);
            score(stage1, r1.finalCheckpoint(), test, data, out, "after stage 1");

            List<String> second = new ArrayList<>(common);
            second.add("model.pretrained_pth=" + work1);
            if (epochs != null) second.add("optim.epochs=" + epochs);
            var stage2 = TrainRun.resolve("demo_cot_finetune", second);
            out.println("demo --cot: stage 2 (projector + LoRA on the LLM" + (augment ? ", augmented images" : "") + ")");
            Path work2 = workDir.resolve("stage2");
            TrainRun.Result r2 = TrainRun.run(stage2, work2, null, out);
            Score after = score(stage2, r2.finalCheckpoint(), test, data, out, "after");
            out.printf(Locale.ROOT, "demo --cot: finished in %.0f s; work dirs %s, %s and %s; held-out set %s%n",
                    (System.nanoTime() - started) / 1e9, work0, work1, work2, data.resolve("test.json"));
            out.printf(Locale.ROOT, "demo --cot: held-out answer accuracy before %.0f%% after %.0f%%, structure validity before %.0f%% after %.0f%%%n",
                    100 * before.accuracy(), 100 * after.accuracy(), 100 * before.structure(), 100 * after.structure());
            return new Result(before.accuracy(), before.structure(), after.accuracy(), after.structure());
        } catch (IOException e) {
            throw new UncheckedIOException("demo --cot failed: " + e.getMessage(), e);
        }
    }

    /** The samples with staged answers; {@code withImages} false makes them text-only (stage 0 reads the text). */
    static List<ShapesDataset.Sample> staged(List<ShapesDataset.Scene> scenes, boolean withImages) {
        return scenes.stream().map(s -> new ShapesDataset.Sample(s.sample().id(), withImages ? s.sample().image() : null,
                s.sample().question(), CotAnswers.staged(s))).toList();
    }

    /** Greedy answers to the held-out questions, scored by their conclusion and their structure. */
    static Score score(ObjectNode tree, Path checkpoint, List<ShapesDataset.Scene> test, Path dataDir, PrintStream out,
                       String when) throws IOException {
        RunConfig config = RunConfig.bind(tree, "demo --cot");
        DataConfig dataConfig = DataConfig.fromYamlSection(tree.get("data"));
        LlavaData.Parts parts = LlavaData.parts(dataConfig, Tokenizer.load(dataConfig.tokenizer()), ClipImageLoader.fromConfig(dataConfig));
        RunConfig.ModelConfig modelConfig = checkpoint == null ? config.model() : config.model().withPretrained(checkpoint.toString());
        try (LlavaForConditionalGeneration model = ModelSetup.build(modelConfig, "fp32", dataConfig.imageTokenIndex(),
                new Random(config.train().seed()))) {
            Evaluator evaluator = new Evaluator(model, parts.tokenizer(), parts.template(), parts.images(), "",
                    config.evaluation().maxNewTokens());
            int right = 0, wellFormed = 0, shown = 0;
            java.util.Map<String, int[]> byKind = new java.util.TreeMap<>();
            for (ShapesDataset.Scene scene : test) {
                ShapesDataset.Sample s = scene.sample();
                String answer = evaluator.answer(s.question(), s.image() == null ? null : dataDir.resolve(s.image()));
                boolean ok = CotScoring.correct(answer, s.answer());
                if (ok) right++;
                int[] k = byKind.computeIfAbsent(s.image() == null ? "text-only" : s.question().split(" ")[1], x -> new int[2]);
                k[0] += ok ? 1 : 0;
                k[1]++;
                if (CotScoring.structureValid(answer)) wellFormed++;
                if (shown < 2) {
                    out.printf("demo --cot (%s): %s%s -> '%s' (expected '%s')%n", when, s.image() == null ? "" : "[image] ",
                            s.question(), answer, s.answer());
                    shown++;
                }
            }
            Score sc = new Score((double) right / test.size(), (double) wellFormed / test.size());
            StringBuilder kinds = new StringBuilder();
            byKind.forEach((kind, k) -> kinds.append(String.format(Locale.ROOT, " %s %d/%d", kind, k[0], k[1])));
            out.printf(Locale.ROOT, "demo --cot (%s): answer accuracy %.0f%%, structure validity %.0f%%; by question:%s%n", when,
                    100 * sc.accuracy(), 100 * sc.structure(), kinds);
            return sc;
        }
    }
}

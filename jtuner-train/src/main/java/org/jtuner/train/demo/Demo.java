package org.jtuner.train.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.DataConfig;
import org.jtuner.data.LlavaData;
import org.jtuner.io.config.ClipVisionConfig;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.LlamaConfig;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.clip.ClipVisionModel;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.train.Evaluator;
import org.jtuner.train.ModelSetup;
import org.jtuner.train.TrainRun;
import org.jtuner.train.config.RunConfig;

/**
 * {@code jtuner demo}: XTuner's LLaVA recipe in miniature, from nothing. It writes a synthetic visual question
 * answering set, a tokenizer, a tiny LLM and a tiny CLIP tower as Hugging Face folders, then trains stage 1
 * (projector) and stage 2 (LoRA + projector) through the same code path as {@code jtuner train}, and measures
 * held-out accuracy by generation before and after.
 */
public final class Demo {
    static final int IMAGE_SIZE = 32;

    public record Result(double accuracyBefore, double accuracyAfter) {}

    private Demo() {}

    public static Result run(Path workDir, int trainSamples, int heldOut, PrintStream out) {
        try {
            long started = System.nanoTime();
            Path data = workDir.resolve("data"), models = workDir.resolve("models");
            out.println("demo: writing " + trainSamples + " training and " + heldOut + " held-out samples to " + data);
            List<ShapesDataset.Sample> train = ShapesDataset.generate(data, "train", trainSamples, 0.15, IMAGE_SIZE, 1);
            List<ShapesDataset.Sample> test = ShapesDataset.generate(data, "test", heldOut, 0.15, IMAGE_SIZE, 2);
            ShapesDataset.writeJson(data.resolve("train.json"), train);
            ShapesDataset.writeJson(data.resolve("text.json"), train.stream()
                    .map(s -> new ShapesDataset.Sample(s.id(), null, s.question(), s.answer())).toList());
            List<String> words = new ArrayList<>(ShapesDataset.vocabulary());
            words.addAll(List.of("USER", "ASSISTANT"));
            Path llm = models.resolve("tiny-llm"), vision = models.resolve("tiny-clip");
            int vocab = DemoTokenizer.write(llm, words);
            writeLlm(llm, vocab);
            writeVision(vision);
            out.printf("demo: tokenizer (%d tokens), tiny LLM and tiny CLIP written to %s%n", vocab, models);

            List<String> paths = List.of("model.vision_encoder=" + vision, "data.image_folder=" + data,
                    "data.image_processor=" + vision, "data.tokenizer=" + llm);
            List<String> stage0Keys = new ArrayList<>(paths);
            stage0Keys.addAll(List.of("model.llm=" + llm, "data.files=[" + data.resolve("text.json") + "]"));
            var stage0 = TrainRun.resolve("demo_llm", stage0Keys);
            double before = accuracy(stage0, null, test, data, out, "before");

            out.println("demo: stage 0 (the tiny LLM learns the task's language from its text, as a pretrained LLM would)");
            Path work0 = workDir.resolve("stage0");
            TrainRun.Result r0 = TrainRun.run(stage0, work0, null, out);
            Path pretrainedLlm = models.resolve("tiny-llm-pretrained");
            exportLanguageModel(stage0, r0.finalCheckpoint(), llm, pretrainedLlm);

            List<String> common = new ArrayList<>(paths);
            common.addAll(List.of("model.llm=" + pretrainedLlm, "data.files=[" + data.resolve("train.json") + "]"));
            var stage1 = TrainRun.resolve("demo_pretrain", common);
            out.println("demo: stage 1 (pretrain: projector only)");
            Path work1 = workDir.resolve("stage1");
            TrainRun.Result r1 = TrainRun.run(stage1, work1, null, out);
            accuracy(stage1, r1.finalCheckpoint(), test, data, out, "after stage 1");

            List<String> second = new ArrayList<>(common);
            second.add("model.pretrained_pth=" + work1);
            var stage2 = TrainRun.resolve("demo_finetune", second);
            out.println("demo: stage 2 (finetune: projector + LoRA on the LLM)");
            Path work2 = workDir.resolve("stage2");
            TrainRun.Result r2 = TrainRun.run(stage2, work2, null, out);
            double after = accuracy(stage2, r2.finalCheckpoint(), test, data, out, "after");
            out.printf(Locale.ROOT, "demo: finished in %.0f s; work dirs %s, %s and %s (metrics.jsonl, loss.png)%n",
                    (System.nanoTime() - started) / 1e9, work0, work1, work2);
            out.printf(Locale.ROOT, "demo: held-out accuracy before %.0f%% after %.0f%%%n", 100 * before, 100 * after);
            return new Result(before, after);
        } catch (IOException e) {
            throw new UncheckedIOException("demo failed: " + e.getMessage(), e);
        }
    }

    /** The demo's LLM: Llama, hidden 128, 2 layers, 4 heads (2 kv), MLP 256, random weights. */
    public static void writeLlm(Path dir, int vocab) throws IOException {
        ObjectNode c = new ObjectMapper().createObjectNode()
                .put("model_type", "llama").put("vocab_size", vocab).put("hidden_size", 128)
                .put("intermediate_size", 256).put("num_hidden_layers", 2).put("num_attention_heads", 4)
                .put("num_key_value_heads", 2).put("max_position_embeddings", 256).put("rms_norm_eps", 1e-5)
                .put("bos_token_id", 1).put("eos_token_id", 2).put("pad_token_id", 0).put("tie_word_embeddings", false)
                .put("initializer_range", 0.1);
        c.putArray("architectures").add("LlamaForCausalLM");
        try (LlamaForCausalLM model = LlamaForCausalLM.create(LlamaConfig.fromJson(c), new Random(11))) {
            model.save(dir);
        }
    }

    /** The demo's vision encoder: CLIP, 32×32 images, patch 8 (16 patches), hidden 64, 1 layer: feature layer -2 is then its patch embeddings. */
    public static void writeVision(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode()
                .put("model_type", "clip_vision_model").put("hidden_size", 64).put("intermediate_size", 128)
                .put("num_hidden_layers", 1).put("num_attention_heads", 4).put("image_size", IMAGE_SIZE)
                .put("patch_size", 8).put("num_channels", 3).put("hidden_act", "quick_gelu")
                .put("layer_norm_eps", 1e-5).put("projection_dim", 64);
        try (ClipVisionModel tower = ClipVisionModel.create(ClipVisionConfig.fromJson(c), new Random(13))) {
            Files.createDirectories(dir);
            WeightSaver.save(tower, KeyMap.identity(), dir);
        }
        HfConfigs.write(dir.resolve(HfConfigs.CONFIG_FILE), c);
        ObjectNode p = json.createObjectNode().put("image_processor_type", "CLIPImageProcessor")
                .put("do_resize", true).put("resample", 3).put("do_center_crop", true)
                .put("do_rescale", true).put("rescale_factor", 1 / 255.0).put("do_normalize", true);
        p.putObject("size").put("shortest_edge", IMAGE_SIZE);
        p.putObject("crop_size").put("height", IMAGE_SIZE).put("width", IMAGE_SIZE);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("preprocessor_config.json").toFile(), p);
    }

    /** Writes the LLM of a stage-0 checkpoint as a Hugging Face folder, with the tokenizer files beside it. */
    static void exportLanguageModel(ObjectNode tree, Path checkpoint, Path tokenizerDir, Path out) throws IOException {
        RunConfig config = RunConfig.bind(tree, "demo");
        try (LlavaForConditionalGeneration model = ModelSetup.build(config.model().withPretrained(checkpoint.toString()),
                "fp32", -200, new Random(0))) {
            model.languageModel().save(out);
        }
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(tokenizerDir.resolve(f), out.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Held-out accuracy: the greedy answer equals the expected word. */
    static double accuracy(ObjectNode tree, Path checkpoint, List<ShapesDataset.Sample> test, Path dataDir,
                           PrintStream out, String when) throws IOException {
        RunConfig config = RunConfig.bind(tree, "demo");
        DataConfig dataConfig = DataConfig.fromYamlSection(tree.get("data"));
        LlavaData.Parts parts = LlavaData.parts(dataConfig, org.jtuner.text.tokenizer.Tokenizer.load(dataConfig.tokenizer()),
                org.jtuner.data.ClipImageLoader.fromConfig(dataConfig));
        RunConfig.ModelConfig modelConfig = checkpoint == null
                ? config.model() : config.model().withPretrained(checkpoint.toString());
        try (LlavaForConditionalGeneration model = ModelSetup.build(modelConfig, "fp32", dataConfig.imageTokenIndex(),
                new Random(config.train().seed()))) {
            Evaluator evaluator = new Evaluator(model, parts.tokenizer(), parts.template(), parts.images(), "", 4);
            int right = 0, shown = 0;
            java.util.Map<String, int[]> byKind = new java.util.TreeMap<>();
            for (ShapesDataset.Sample s : test) {
                String answer = evaluator.answer(s.question(), s.image() == null ? null : dataDir.resolve(s.image()));
                boolean ok = answer.equals(s.answer());
                if (ok) right++;
                int[] k = byKind.computeIfAbsent(s.image() == null ? "text-only" : s.question().split(" ")[1], x -> new int[2]);
                k[0] += ok ? 1 : 0;
                k[1]++;
                if (shown < 4) {
                    out.printf("demo (%s): %s%s -> '%s' (expected '%s')%n", when, s.image() == null ? "" : "[image] ",
                            s.question(), answer, s.answer());
                    shown++;
                }
            }
            StringBuilder kinds = new StringBuilder();
            byKind.forEach((kind, k) -> kinds.append(String.format(Locale.ROOT, " %s %d/%d", kind, k[0], k[1])));
            out.println("demo (" + when + "): by question:" + kinds);
            return (double) right / test.size();
        }
    }
}

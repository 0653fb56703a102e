package org.jtuner.train.mllama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.data.BatchLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.mllama.MllamaBatch;
import org.jtuner.data.mllama.MllamaData;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.train.convert.MllamaRunExport;
import org.jtuner.vision.mllama.TiledImage;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.Checkpoints;
import org.jtuner.train.MllamaSetup;
import org.jtuner.train.TrainRun;
import org.jtuner.train.config.RunConfig;
import org.jtuner.train.demo.MllamaDemo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner train} on tiny-mllama (../shared/fixtures, made by transformers 4.47.1), through TrainRun and the
 * trainer, not the model directly. The fixture has no tokenizer: the test writes one with the fixture's special ids
 * (bos 310, eos 311, pad 312, {@code <|image|>} 320) and a Llama-3.2-Vision-shaped chat template, and a LLaVA-format
 * file of four samples over the fixture's images: one image of 3 tiles, a text-only two-turn sample, two images in one
 * sample, one image of 1 tile — one batch that mixes image and text-only rows and pads empty image slots.
 */
class MllamaTrainRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path shared;
    private static Path model, data;

    @BeforeAll
    static void writeModelFolderAndData() throws IOException {
        Path fixture = Fixtures.path("tiny-mllama");
        model = shared.resolve("tiny-mllama");
        Files.createDirectories(model);
        Files.copy(fixture.resolve("config.json"), model.resolve("config.json"));
        Files.createSymbolicLink(model.resolve("model.safetensors"), fixture.resolve("model.safetensors").toAbsolutePath());
        MllamaDemo.writeTokenizer(model, List.of("what", "color", "is", "it"), new MllamaDemo.SpecialIds(310, 311, 312, 313, 314, 320));
        MllamaDemo.writePreprocessorConfig(model, 32, 4); // the fixture processor's kwargs: size 32, max_image_tiles 4
        data = shared.resolve("data");
        Files.createDirectories(data);
        Files.copy(fixture.resolve("row0_image0.png"), data.resolve("a.png"));
        for (String f : List.of("wide_150x60.png", "tall_25x90.png", "square_64x64.png")) {
            Files.copy(fixture.resolve("processor").resolve(f), data.resolve(f));
        }
        Files.writeString(data.resolve("train.json"), """
                [
                 {"id": "one", "image": "a.png", "conversations": [
                   {"from": "human", "value": "<image>\\nwhat color is it?"}, {"from": "gpt", "value": "it is red"}]},
                 {"id": "text", "conversations": [
                   {"from": "human", "value": "what is it?"}, {"from": "gpt", "value": "a color"},
                   {"from": "human", "value": "is it red?"}, {"from": "gpt", "value": "it is"}]},
                 {"id": "two", "image": ["wide_150x60.png", "tall_25x90.png"], "conversations": [
                   {"from": "human", "value": "<image><image>\\nwhat is it?"}, {"from": "gpt", "value": "wide and tall"}]},
                 {"id": "square", "image": "square_64x64.png", "conversations": [
                   {"from": "human", "value": "<image>\\nwhat color is it?"}, {"from": "gpt", "value": "blue"}]}
                ]
                """);
        String cot = "<SUMMARY>what color</SUMMARY><CAPTION>it is</CAPTION><REASONING>it is red</REASONING><CONCLUSION>red</CONCLUSION>";
        Files.writeString(data.resolve("cot.json"), """
                [
                 {"id": "c1", "image": "a.png", "conversations": [
                   {"from": "human", "value": "<image>\\nwhat color is it?"}, {"from": "gpt", "value": "%s"}]},
                 {"id": "c2", "conversations": [{"from": "human", "value": "what is it?"}, {"from": "gpt", "value": "%s"}]},
                 {"id": "c3", "image": ["wide_150x60.png", "tall_25x90.png"], "conversations": [
                   {"from": "human", "value": "<image><image>\\nwhat is it?"}, {"from": "gpt", "value": "%s"}]},
                 {"id": "c4", "image": "square_64x64.png", "conversations": [
                   {"from": "human", "value": "<image>\\nwhat color is it?"}, {"from": "gpt", "value": "%s"}]}
                ]
                """.formatted(cot, cot, cot, cot));
    }

    /** A run config over the test's model and data: one batch of all four samples per epoch. */
    private static Path config(Path dir, String name, String modelSection, String extra) throws IOException {
        Path yaml = dir.resolve(name + ".yaml");
        Files.createDirectories(dir);
        Files.writeString(yaml, """
                name: %s
                model:
                  mllama: %s
                %s
                data:
                  files: [%s]
                  image_folder: %s
                  template: chat_template
                  max_length: 64
                  per_device_batch_size: 4
                  num_workers: 1
                  sampler: {type: length_grouped}
                optim: {lr: 1.0e-3, warmup_ratio: 0, weight_decay: 0.01, epochs: 6}
                train: {precision: fp32, seed: 3}
                checkpoint: {save_steps: 3, save_total_limit: 0}
                logging: {log_steps: 1}
                evaluation: {freq: 100000}
                %s
                """.formatted(name, model, modelSection, data.resolve("train.json"), data, extra));
        return yaml;
    }

    private static TrainRun.Result train(Path yaml, Path work, String resume, List<String> overrides) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(log, true)) {
            return TrainRun.run(TrainRun.resolve(yaml.toString(), overrides), work, resume, out);
        } finally {
            System.out.print(log);
        }
    }

    private static List<Double> losses(Path work) throws IOException {
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(work.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) out.add(n.get("loss").asDouble());
        }
        return out;
    }

    private static Map<String, float[]> tensors(Path file) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names()) out.put(n, f.readFloats(n));
        }
        return out;
    }

    @Test
    void sixAdamWStepsReduceTheLossAndThreePlusResumePlusThreeEqualsSix(@TempDir Path tmp) throws IOException {
        Path yaml = config(tmp, "full", "  freeze_llm: false\n  freeze_visual_encoder: false", "");
        Path straight = tmp.resolve("straight");
        train(yaml, straight, null, List.of());
        List<Double> six = losses(straight);
        System.out.println("tiny-mllama through jtuner train, 6 AdamW steps (lr 1e-3, cosine): " + six);
        assertThat(six).hasSize(6);
        for (int i = 1; i < 6; i++) assertThat(six.get(i)).as("loss at step %d", i + 1).isLessThan(six.get(i - 1));
        Map<String, float[]> weights = tensors(straight.resolve("iter_6").resolve(Checkpoints.WEIGHTS));
        // everything trains: every weight of the fixture, gates included
        assertThat(weights).containsKeys("vision_model.gated_positional_embedding.gate", "vision_model.global_transformer.layers.0.gate_attn",
                "multi_modal_projector.weight", "language_model.model.layers.2.cross_attn_attn_gate",
                "language_model.model.layers.2.cross_attn_mlp_gate", "language_model.lm_head.weight");

        // a fresh process state from the step-3 checkpoint: its own model, optimizer, data loader and schedule
        Path resumed = tmp.resolve("resumed");
        Files.createDirectories(resumed);
        copyTree(straight.resolve("iter_3"), resumed.resolve("iter_3"));
        TrainRun.Result r = train(yaml, resumed, "latest", List.of());
        assertThat(r.alreadyFinished()).isFalse();
        assertThat(losses(resumed)).containsExactlyElementsOf(six.subList(3, 6));
        Map<String, float[]> again = tensors(resumed.resolve("iter_6").resolve(Checkpoints.WEIGHTS));
        assertThat(again.keySet()).containsExactlyElementsOf(weights.keySet());
        weights.forEach((n, w) -> assertThat(again.get(n)).as(n).containsExactly(w));
        Map<String, float[]> moments = tensors(straight.resolve("iter_6").resolve(Checkpoints.OPTIMIZER));
        Map<String, float[]> momentsAgain = tensors(resumed.resolve("iter_6").resolve(Checkpoints.OPTIMIZER));
        moments.forEach((n, m) -> assertThat(momentsAgain.get(n)).as(n).containsExactly(m));
    }

    @Test
    void activationCheckpointingTrainsTheSameSteps(@TempDir Path tmp) throws IOException {
        Path yaml = config(tmp, "ckpt", "  freeze_llm: false\n  freeze_visual_encoder: false", "");
        long t0 = System.nanoTime();
        train(yaml, tmp.resolve("plain"), null, List.of("optim.epochs=2"));
        long t1 = System.nanoTime();
        train(yaml, tmp.resolve("recomputed"), null, List.of("optim.epochs=2", "train.activation_checkpointing=true"));
        System.out.printf("2 steps plain %.1f s, with activation checkpointing %.1f s%n", (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9);
        assertThat(losses(tmp.resolve("recomputed"))).containsExactlyElementsOf(losses(tmp.resolve("plain")));
        Map<String, float[]> a = tensors(tmp.resolve("plain").resolve("iter_2").resolve(Checkpoints.WEIGHTS));
        Map<String, float[]> b = tensors(tmp.resolve("recomputed").resolve("iter_2").resolve(Checkpoints.WEIGHTS));
        double worst = 0;
        for (var e : a.entrySet()) worst = Math.max(worst, relativeDifference(b.get(e.getKey()), e.getValue()));
        System.out.printf("activation checkpointing: losses equal, weights after 2 steps differ by %.3g relative at most%n", worst);
        // recomputation may sum in another order: float rounding only, far below any real difference
        assertThat(worst).isLessThan(1e-6);
    }

    private static double relativeDifference(float[] a, float[] b) {
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (double) (a[i] - b[i]);
            n += b[i] * (double) b[i];
        }
        return n == 0 ? Math.sqrt(d) : Math.sqrt(d / n);
    }

    /** Stage 1 trains the projector only; stage 2 starts from it with LoRA on text and vision, BF16 frozen weights. */
    @Test
    void stagesLoraBf16AndPretrainedPth(@TempDir Path tmp) throws IOException {
        Path one = config(tmp, "stage1", "  freeze_llm: true\n  freeze_visual_encoder: true", "");
        Path stage1 = tmp.resolve("stage1");
        train(one, stage1, null, List.of("optim.epochs=2"));
        Map<String, float[]> projector = tensors(stage1.resolve("iter_2").resolve(Checkpoints.WEIGHTS));
        assertThat(projector).containsOnlyKeys("multi_modal_projector.weight", "multi_modal_projector.bias");

        String lora = String.join("\n", "  freeze_llm: true", "  freeze_visual_encoder: true",
                "  llm_lora: {r: 4, alpha: 8, dropout: 0.0, target_modules: all-linear}",
                "  visual_encoder_lora: {r: 4, alpha: 8, dropout: 0.0, target_modules: all-linear}",
                "  pretrained_pth: " + stage1);
        Path two = config(tmp, "stage2", lora, "");
        Path stage2 = tmp.resolve("stage2");
        TrainRun.Result r = train(two, stage2, null, List.of("optim.epochs=2", "train.precision=bf16",
                "train.activation_checkpointing=true"));
        assertThat(r.lastLoss()).isFinite();
        List<String> names = new ArrayList<>(tensors(stage2.resolve("iter_2").resolve(Checkpoints.WEIGHTS)).keySet());
        // LoRA on every text projection: self-attention (layer 0), cross-attention (layer 2), MLP; and the vision layers
        assertThat(names).contains("multi_modal_projector.weight",
                "language_model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "language_model.model.layers.2.cross_attn.k_proj.lora_B.weight",
                "language_model.model.layers.2.mlp.down_proj.lora_A.weight",
                "vision_model.transformer.layers.0.self_attn.q_proj.lora_A.weight",
                "vision_model.global_transformer.layers.1.mlp.fc2.lora_B.weight");
        assertThat(names).allMatch(n -> n.startsWith("multi_modal_projector.") || n.contains(".lora_A.") || n.contains(".lora_B."));
        assertThat(names).noneMatch(n -> n.contains("lm_head") || n.endsWith("_gate") || n.endsWith(".gate"));

        // the stage-2 model before training: stage 1's projector, frozen weights BF16, trainable ones F32
        RunConfig c = RunConfig.bind(TrainRun.resolve(two.toString(), List.of()), "stage2");
        try (MllamaForConditionalGeneration m = MllamaSetup.build(c.model(), "bf16", new Random(0))) {
            assertThat(m.multiModalProjector().weight().value().toFloatArray()).containsExactly(projector.get("multi_modal_projector.weight"));
            for (var e : m.namedParameters().entrySet()) {
                Parameter p = e.getValue();
                if (p.trainable()) assertThat(p.value().dtype()).as(e.getKey()).isEqualTo(DType.F32);
                else if (p.value().rank() >= 2) assertThat(p.value().dtype()).as(e.getKey()).isEqualTo(DType.BF16);
            }
        }
    }

    /** convert to-hf of a LoRA run: the adapters merged into a hub-layout folder that loads with the same logits. */
    @Test
    void aLoraRunConvertsToAFolderWithTheSameLogits(@TempDir Path tmp) throws Exception {
        String lora = String.join("\n", "  freeze_llm: true", "  freeze_visual_encoder: true",
                "  llm_lora: {r: 4, alpha: 8, dropout: 0.0, target_modules: all-linear}",
                "  visual_encoder_lora: {r: 4, alpha: 8, dropout: 0.0, target_modules: all-linear}");
        Path yaml = config(tmp, "lora", lora, "");
        Path work = tmp.resolve("lora");
        train(yaml, work, null, List.of("optim.epochs=2", "optim.lr=1.0e-2"));
        Path hf = tmp.resolve("hf");
        MllamaRunExport.writeHf(work, Long.MAX_VALUE, hf);
        assertThat(hf.resolve("tokenizer_config.json")).exists();
        assertThat(hf.resolve("preprocessor_config.json")).exists();

        RunConfig c = RunConfig.bind(TrainRun.resolve(yaml.toString(), List.of()), "lora");
        MllamaData data = MllamaData.open(DataConfig.fromYamlSection(TrainRun.resolve(yaml.toString(), List.of()).get("data"))
                .withImageTokens(320, 1), s -> {});
        MllamaBatch batch;
        try (BatchLoader<TiledImage, MllamaBatch> loader = data.loader(1, 0, 3, 312, s -> {});
             BatchLoader<TiledImage, MllamaBatch>.Epoch e = loader.epoch(0)) {
            batch = e.next();
        }
        try (MllamaForConditionalGeneration trained = MllamaSetup.build(c.model().withPretrained(work.toString()), "fp32", new Random(0));
             MllamaForConditionalGeneration exported = MllamaForConditionalGeneration.load(hf, false);
             MllamaForConditionalGeneration base = MllamaForConditionalGeneration.load(model, false);
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            assertThat(exported.namedParameters().keySet()).noneMatch(n -> n.contains("lora_"));
            MllamaBatch.Tensors t = batch.toTensors();
            float[] a = logits(trained, t), b = logits(exported, t), original = logits(base, t);
            double err = relativeDifference(b, a);
            System.out.printf("convert to-hf of a LoRA run: merged folder vs adapters + base logits rel err %.3g%n", err);
            assertThat(err).isLessThan(1e-5);
            assertThat(relativeDifference(original, a)).as("the adapters changed the model").isGreaterThan(1e-3);
        }
    }

    private static float[] logits(MllamaForConditionalGeneration m, MllamaBatch.Tensors t) {
        return m.forward(t.inputIds(), t.attentionMask(), t.pixelValues(), t.aspectRatioIds(), t.aspectRatioMask(),
                t.crossAttentionMask()).toFloatArray();
    }

    /**
     * The LLaVA-CoT built-ins for Llama-3.2-11B-Vision-Instruct run as they are on tiny-mllama, only paths and sizes
     * overridden: stage 1 (projector; cot_stages, image augmentation, warm-up + linear decay, bf16, activation
     * checkpointing, accumulation) and stage 2 (everything) from stage 1's work dir.
     */
    @Test
    void theLlavaCotRecipeRunsOnTinyMllama(@TempDir Path tmp) throws IOException {
        List<String> small = List.of("model.mllama=" + model, "data.files=[" + data.resolve("cot.json") + "]",
                "data.image_folder=" + data, "data.per_device_batch_size=2", "data.num_workers=1", "data.max_length=96",
                "optim.accumulative_counts=2", "optim.epochs=1", "evaluation.freq=100000");
        Path stage1 = tmp.resolve("stage1");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(log, true)) {
            TrainRun.run(TrainRun.resolve("llava_cot_llama3_2_11b_vision_instruct_stage1_projector", small), stage1, null, out);
            List<String> two = new ArrayList<>(small);
            two.add("model.pretrained_pth=" + stage1);
            TrainRun.Result r = TrainRun.run(TrainRun.resolve("llava_cot_llama3_2_11b_vision_instruct_stage2_full", two),
                    tmp.resolve("stage2"), null, out);
            assertThat(r.lastLoss()).isFinite();
        }
        System.out.print(log);
        assertThat(log.toString()).contains("4 samples");
        assertThat(tensors(stage1.resolve("iter_2").resolve(Checkpoints.WEIGHTS)))
                .containsOnlyKeys("multi_modal_projector.weight", "multi_modal_projector.bias");
        assertThat(tensors(tmp.resolve("stage2").resolve("iter_2").resolve(Checkpoints.WEIGHTS)))
                .containsKeys("vision_model.patch_embedding.weight", "language_model.model.layers.2.cross_attn_attn_gate");
    }

    /** Each part trains with its own gates: the LLM's cross-attention gates, the vision model's tile and layer gates. */
    @Test
    void gatesTrainWithTheirPart(@TempDir Path tmp) throws IOException {
        RunConfig llm = RunConfig.bind(TrainRun.resolve(config(tmp, "llm", "  freeze_llm: false\n  freeze_projector: true", "").toString(),
                List.of()), "llm");
        try (MllamaForConditionalGeneration m = MllamaSetup.build(llm.model(), "fp32", new Random(0))) {
            assertThat(m.parameter("language_model.model.layers.2.cross_attn_attn_gate").trainable()).isTrue();
            assertThat(m.parameter("vision_model.gated_positional_embedding.gate").trainable()).isFalse();
            assertThat(m.parameter("multi_modal_projector.weight").trainable()).isFalse();
        }
        RunConfig vision = RunConfig.bind(TrainRun.resolve(config(tmp, "vision", "  freeze_visual_encoder: false", "").toString(),
                List.of()), "vision");
        try (MllamaForConditionalGeneration m = MllamaSetup.build(vision.model(), "fp32", new Random(0))) {
            assertThat(m.parameter("vision_model.gated_positional_embedding.gate").trainable()).isTrue();
            assertThat(m.parameter("vision_model.pre_tile_positional_embedding.gate").trainable()).isTrue();
            assertThat(m.parameter("vision_model.global_transformer.layers.0.gate_ffn").trainable()).isTrue();
            assertThat(m.parameter("language_model.model.layers.2.cross_attn_mlp_gate").trainable()).isFalse();
            assertThat(m.parameter("multi_modal_projector.weight").trainable()).isTrue();
        }
    }

    @Test
    void llavaKeysAndEvaluationPromptsAreRefusedWithTheFix(@TempDir Path tmp) throws IOException {
        Path both = config(tmp, "both", "  llm: models/x", "");
        assertThatThrownBy(() -> RunConfig.bind(TrainRun.resolve(both.toString(), List.of()), "both"))
                .hasMessageContaining("model.mllama").hasMessageContaining("llm=models/x");
        Path prompts = config(tmp, "prompts", "", "");
        assertThatThrownBy(() -> train(prompts, tmp.resolve("p"), null, List.of("evaluation.prompts=[{text: hi}]")))
                .hasMessageContaining("evaluation.prompts: []");
        Path template = config(tmp, "template", "", "");
        assertThatThrownBy(() -> train(template, tmp.resolve("t"), null, List.of("data.template=llama3_chat")))
                .hasMessageContaining("data.template: chat_template");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }
}

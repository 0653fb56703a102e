package org.jtuner.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.ClipImageLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.ImageLoader;
import org.jtuner.data.LlavaData;
import org.jtuner.data.SampleEncoder;
import org.jtuner.generate.GenerationModel;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.models.mllama.MllamaConfig;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.nn.Module;
import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.template.PromptTemplates;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.train.Checkpoints;
import org.jtuner.train.ModelSetup;
import org.jtuner.train.MllamaSetup;
import org.jtuner.data.mllama.MllamaData;
import org.jtuner.vision.Images;
import org.jtuner.vision.RgbImage;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.vision.mllama.MllamaProcessorConfig;
import org.jtuner.vision.mllama.TiledImage;
import java.util.List;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;

/**
 * A model ready to talk: a jtuner work dir (its config.yaml and newest checkpoint, with the tokenizer, template and
 * image processor of its data section; a LLaVA or an mllama run), a LLaVA folder, a Llama-3.2-Vision (mllama) folder
 * or an LLM folder (Hugging Face layout; the tokenizer beside
 * the weights; the image processor from preprocessor_config.json when there is one). The prompt comes from the
 * named XTuner template, or else the work dir's template, or else the tokenizer's chat template. Or, as
 * {@code xtuner chat} takes them, XTuner's pieces ({@link #fromXtunerRelease}).
 */
final class ChatModel implements AutoCloseable {
    final Module module;
    final Generator generator;
    final PromptBuilder prompts;
    final ImageLoader images; // null for a language model alone
    final java.util.function.Function<org.jtuner.vision.RgbImage, org.jtuner.vision.PixelValues> preprocess; // decoded images
    final java.util.function.Function<org.jtuner.vision.RgbImage, TiledImage> tile; // mllama's images, else null
    private Path scratch; // the merged XTuner pieces, deleted on close
    private static final java.util.List<String> TOKENIZER_FILES = java.util.List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "tokenizer.model", "added_tokens.json", "chat_template.jinja");

    private ChatModel(Module module, Generator generator, PromptBuilder prompts, ClipImageLoader images, boolean padToSquare) {
        this.module = module;
        this.generator = generator;
        this.prompts = prompts;
        this.images = images;
        this.preprocess = images == null ? null
                : rgb -> images.processor().preprocess(padToSquare ? images.processor().expandToSquare(rgb) : rgb);
        this.tile = null;
    }

    /** An mllama (Llama-3.2-Vision) model: images tiled by its MllamaImageProcessor. */
    private ChatModel(MllamaForConditionalGeneration module, Generator generator, PromptBuilder prompts, MllamaImageProcessor processor) {
        this.module = module;
        this.generator = generator;
        this.prompts = prompts;
        this.images = null;
        this.preprocess = null;
        this.tile = processor::preprocess;
    }

    boolean takesImages() {
        return preprocess != null || tile != null;
    }

    /** The prompt for {@code input} after {@code history}, its images decoded and processed as this model takes them. */
    Prompt prompt(String system, List<PromptBuilder.Exchange> history, String input, List<RgbImage> rgb) {
        if (!rgb.isEmpty() && !takesImages()) {
            throw new IllegalArgumentException("this model is a language model alone: it takes no images");
        }
        if (tile != null) return prompts.buildTiled(system, history, input, rgb.stream().map(tile).toList());
        return prompts.build(system, history, input, rgb.stream().map(preprocess).toList());
    }

    /** Reads an image file; a file that does not decode is named in the error. */
    static RgbImage read(Path file) {
        try {
            return Images.read(file);
        } catch (org.jtuner.vision.ImageReadException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The model as {@code chat} and {@code serve} take it on their command lines: {@code llava} (a work dir, a LLaVA
     * folder, or an XTuner release folder with {@code model} its base LLM and maybe {@code visualEncoder}), else
     * {@code model}.
     */
    static ChatModel open(Path model, Path llava, Path visualEncoder, int visualSelectLayer, String templateName) {
        Path dir = llava != null ? llava : model;
        if (dir == null) throw new IllegalArgumentException("give MODEL or --llava DIR");
        boolean release = llava != null && Files.isDirectory(llava.resolve("projector"));
        if (visualEncoder != null && !release) {
            throw new IllegalArgumentException("--visual-encoder goes with --llava DIR, an XTuner release folder (one with projector/)");
        }
        return release ? fromXtunerRelease(model, llava, visualEncoder, visualSelectLayer, templateName) : load(dir, templateName);
    }

    static ChatModel load(Path dir, String templateName) {
        try {
            if (Files.isRegularFile(dir.resolve(Checkpoints.CONFIG))) return fromWorkDir(dir, templateName);
            if (!Files.isRegularFile(dir.resolve(HfConfigs.CONFIG_FILE))) {
                throw new IllegalArgumentException(dir + " is neither a jtuner work dir (config.yaml) nor a model folder (config.json)");
            }
            Tokenizer tokenizer = Tokenizer.load(dir);
            String type = HfConfigs.load(dir).modelType();
            if (type.equals(MllamaConfig.MODEL_TYPE)) {
                MllamaForConditionalGeneration mllama = MllamaForConditionalGeneration.load(dir, false);
                Path processor = dir.resolve("preprocessor_config.json");
                return mllama(mllama, tokenizer, dir, templateName, Files.isRegularFile(processor)
                        ? MllamaProcessorConfig.fromFile(processor) : MllamaProcessorConfig.llama32Vision());
            }
            boolean llava = type.equals("llava");
            Module module = llava ? LlavaForConditionalGeneration.load(dir) : LlamaForCausalLM.load(dir);
            GenerationModel model = llava ? GenerationModel.of((LlavaForConditionalGeneration) module)
                    : GenerationModel.of((LlamaForCausalLM) module);
            ClipImageLoader images = null;
            if (llava) {
                Path processor = dir.resolve("preprocessor_config.json");
                images = new ClipImageLoader(Files.isRegularFile(processor)
                        ? org.jtuner.vision.ClipImageProcessor.fromConfig(processor)
                        : org.jtuner.vision.ClipImageProcessor.defaults(), true);
            }
            return new ChatModel(module, new Generator(model, tokenizer), builder(tokenizer, model, templateName, dir), images, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load " + dir + ": " + e.getMessage(), e);
        }
    }

    private static PromptBuilder builder(Tokenizer tokenizer, GenerationModel model, String templateName, Path dir) {
        if (templateName != null) {
            return PromptBuilder.xtuner(tokenizer, model, PromptTemplates.get(templateName),
                    SampleEncoder.bosIds(tokenizer), SampleEncoder.eosIds(tokenizer));
        }
        Path config = dir.resolve("tokenizer_config.json");
        try {
            return PromptBuilder.chatTemplate(tokenizer, model, ChatTemplate.fromTokenizerConfig(config));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(dir + " has no chat template (" + e.getMessage()
                    + "): name an XTuner template with --prompt-template (e.g. vicuna, llama3_chat, qwen_chat)");
        }
    }

    private static ChatModel mllama(MllamaForConditionalGeneration model, Tokenizer tokenizer, Path tokenizerDir,
                                    String templateName, MllamaProcessorConfig processor) {
        try {
            GenerationModel generation = GenerationModel.of(model);
            return new ChatModel(model, new Generator(generation, tokenizer),
                    builder(tokenizer, generation, templateName, tokenizerDir), new MllamaImageProcessor(processor));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * An mllama work dir ({@code model.mllama} in its config.yaml): the run's model with its newest checkpoint (LoRA
     * adapters applied), the tokenizer and chat template of {@code data.tokenizer}, the processor of
     * {@code data.image_processor}, as training used them.
     */
    private static ChatModel fromMllamaWorkDir(Path workDir, RunConfig config, DataConfig data, String templateName) throws IOException {
        Path latest = new Checkpoints(workDir).latest();
        if (latest == null) throw new IllegalArgumentException(workDir + " holds no checkpoint (iter_<step> folders) yet");
        Tokenizer tokenizer = Tokenizer.load(data.tokenizer());
        MllamaProcessorConfig processor = MllamaData.processorConfig(data.imageProcessor());
        MllamaForConditionalGeneration model = MllamaSetup.build(config.model().withPretrained(latest.toString()), "fp32",
                new Random(config.train().seed()));
        return mllama(model, tokenizer, data.tokenizer(), templateName, processor);
    }

    private static ChatModel fromWorkDir(Path workDir, String templateName) throws IOException {
        ObjectNode tree = (ObjectNode) ConfigFiles.YAML.readTree(workDir.resolve(Checkpoints.CONFIG).toFile());
        RunConfig config = RunConfig.bind(tree, workDir.resolve(Checkpoints.CONFIG).toString());
        DataConfig data = DataConfig.fromYamlSection(tree.get("data"));
        if (config.model().mllama() != null) return fromMllamaWorkDir(workDir, config, data, templateName);
        Tokenizer tokenizer = Tokenizer.load(data.tokenizer());
        ClipImageLoader loader = ClipImageLoader.fromConfig(data);
        LlavaData.Parts parts = LlavaData.parts(data, tokenizer, loader);
        Path latest = new Checkpoints(workDir).latest();
        if (latest == null) throw new IllegalArgumentException(workDir + " holds no checkpoint (iter_<step> folders) yet");
        LlavaForConditionalGeneration llava = ModelSetup.build(config.model().withPretrained(latest.toString()), "fp32",
                data.imageTokenIndex(), new Random(config.train().seed()));
        GenerationModel model = GenerationModel.of(llava);
        PromptBuilder prompts = PromptBuilder.xtuner(tokenizer, model,
                templateName != null ? PromptTemplates.get(templateName) : parts.template(),
                SampleEncoder.bosIds(tokenizer), SampleEncoder.eosIds(tokenizer));
        return new ChatModel(llava, new Generator(model, tokenizer), prompts, loader, data.padImageToSquare());
    }

    /**
     * XTuner's release layout as {@code xtuner chat MODEL --llava DIR --visual-encoder VE} takes it: the LLM is
     * {@code DIR/llm/} when the release has one (a fully trained LLM), else {@code MODEL}, with {@code DIR/llm_adapter/}
     * when there is one; the vision tower is {@code DIR/visual_encoder/} when there is one, else {@code VE}, with
     * {@code DIR/visual_encoder_adapter/}; the projector is {@code DIR/projector/}. The tokenizer is MODEL's (as
     * XTuner's), else the LLM's; the image processor the tower's. The pieces are merged as {@code jtuner merge} merges
     * them (into a scratch folder, deleted on close); the image placeholder is XTuner's -200 (no token).
     */
    static ChatModel fromXtunerRelease(Path model, Path release, Path visualEncoder, int visualSelectLayer, String templateName) {
        if (!Files.isDirectory(release.resolve("projector"))) {
            throw new IllegalArgumentException(release + " is not an XTuner release folder (no projector/)");
        }
        Path llm = Files.isDirectory(release.resolve("llm")) ? release.resolve("llm") : model;
        if (llm == null) throw new IllegalArgumentException(release + " has no llm/: give the base LLM as MODEL");
        Path tower = Files.isDirectory(release.resolve("visual_encoder")) ? release.resolve("visual_encoder") : visualEncoder;
        if (tower == null) throw new IllegalArgumentException(release + " has no visual_encoder/: give the CLIP tower as --visual-encoder");
        Path tokenizerDir = model != null && Files.isRegularFile(model.resolve("tokenizer.json")) ? model : llm;
        if (!Files.isRegularFile(tokenizerDir.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("no tokenizer.json in " + tokenizerDir + ": give MODEL, the LLM folder with its tokenizer");
        }
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("jtuner-chat-");
            Path merged = scratch.resolve("merged");
            org.jtuner.train.convert.XtunerMerge.merge(new org.jtuner.train.convert.XtunerMerge.Args(llm,
                    dirIfThere(release.resolve("llm_adapter")), tower, dirIfThere(release.resolve("visual_encoder_adapter")),
                    release.resolve("projector"), visualSelectLayer, "default",
                    LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX, org.jtuner.train.convert.HfLlavaWriter.dtypeName("f32"), Long.MAX_VALUE), merged);
            for (String f : TOKENIZER_FILES) {
                Path from = tokenizerDir.resolve(f);
                if (Files.isRegularFile(from)) Files.copy(from, merged.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            ChatModel m = load(merged, templateName);
            m.scratch = scratch;
            return m;
        } catch (IOException e) {
            deleteQuietly(scratch);
            throw new UncheckedIOException("cannot merge the XTuner release " + release + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            deleteQuietly(scratch);
            throw e;
        }
    }

    private static Path dirIfThere(Path dir) {
        return Files.isDirectory(dir) ? dir : null;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            System.err.println("chat: could not delete the scratch folder " + dir + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        module.close();
        deleteQuietly(scratch);
    }
}

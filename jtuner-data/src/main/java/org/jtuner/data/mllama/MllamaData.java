package org.jtuner.data.mllama;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import org.jtuner.data.BatchLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.ImageLoader;
import org.jtuner.data.LlavaData;
import org.jtuner.data.LlavaDataset;
import org.jtuner.data.RowEncoder;
import org.jtuner.data.TextAugmentedSamples;
import org.jtuner.text.augment.TextAugmenter;
import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.vision.Images;
import org.jtuner.vision.RgbImage;
import org.jtuner.vision.augment.ImageAugmenter;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.vision.mllama.MllamaProcessorConfig;
import org.jtuner.vision.mllama.TiledImage;

/**
 * The data side of an mllama (Llama-3.2-Vision) run, from the same {@code data:} section as LLaVA's: LLaVA-format
 * (and LLaVA-CoT) files encoded through the tokenizer's chat template ({@code template: chat_template}), the same
 * dataset, samplers (length grouping), workers, {@code on_bad_sample} and augmentation (image ops on the decoded
 * image before the mllama processor, text ops on the rows), with images tiled by the mllama image processor and
 * rows collated by {@link MllamaCollator}.
 */
public final class MllamaData {
    /** The image token of Llama 3.2 Vision's tokenizer. */
    public static final String IMAGE_TOKEN = "<|image|>";

    private final DataConfig config;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final MllamaRowEncoder encoder;
    private final MllamaImageProcessor processor;
    private final LlavaDataset dataset;

    private MllamaData(DataConfig config, Tokenizer tokenizer, ChatTemplate template, MllamaRowEncoder encoder,
                       MllamaImageProcessor processor, LlavaDataset dataset) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.template = template;
        this.encoder = encoder;
        this.processor = processor;
        this.dataset = dataset;
    }

    /**
     * Loads the tokenizer (with its chat template) and the image processor the config names and reads the dataset.
     * {@code data.image_token_index} must be the tokenizer's {@code <|image|>} id (the model config's
     * {@code image_token_index}).
     */
    public static MllamaData open(DataConfig config, Consumer<String> log) throws IOException {
        Tokenizer tokenizer = Tokenizer.load(config.tokenizer());
        MllamaRowEncoder encoder = rowEncoder(config, tokenizer);
        if (encoder.imageTokenIndex() != config.imageTokenIndex()) {
            throw new IllegalArgumentException("the tokenizer in " + config.tokenizer() + " has " + IMAGE_TOKEN + " as id "
                    + encoder.imageTokenIndex() + " but the model's image_token_index (data.image_token_index) is "
                    + config.imageTokenIndex());
        }
        MllamaImageProcessor processor = new MllamaImageProcessor(processorConfig(config.imageProcessor()));
        LlavaDataset.Builder b = datasetBuilder(config, encoder, log);
        if (config.verifyImages()) b.verifyImages(verifier(processor));
        if (config.augment().text().enabled()) b.keepRows(true);
        return new MllamaData(config, tokenizer, encoder.template(), encoder, processor, b.build());
    }

    /** True for a data section that encodes for mllama ({@code template: chat_template}). */
    public static boolean isMllama(DataConfig config) {
        return DataConfig.TOKENIZER_CHAT_TEMPLATE.equals(config.template());
    }

    /**
     * The row encoder of an mllama data section: the tokenizer's chat template, its {@code <|image|>} id (one token per
     * image), {@code max_length}, {@code cot_stages}.
     */
    public static MllamaRowEncoder rowEncoder(DataConfig config, Tokenizer tokenizer) throws IOException {
        if (!isMllama(config)) {
            throw new IllegalArgumentException("data.template is '" + config.template() + "'; an mllama model is "
                    + "prompted through its tokenizer's chat template: set data.template: " + DataConfig.TOKENIZER_CHAT_TEMPLATE);
        }
        if (config.padImageToSquare()) {
            throw new IllegalArgumentException("data.pad_image_to_square is true; the mllama image processor fits each "
                    + "image to a canvas of tiles itself: set data.pad_image_to_square: false");
        }
        Path tokenizerConfig = config.tokenizer().resolve("tokenizer_config.json");
        if (!Files.isRegularFile(tokenizerConfig)) {
            throw new FileNotFoundException(tokenizerConfig + " (data.tokenizer: the folder must hold tokenizer_config.json with the chat template)");
        }
        ChatTemplate template = ChatTemplate.fromTokenizerConfig(tokenizerConfig);
        Integer image = imageId(tokenizer);
        if (image == null) {
            throw new IllegalArgumentException("the tokenizer in " + config.tokenizer() + " has no " + IMAGE_TOKEN
                    + " token, which an mllama model takes for each image");
        }
        return new MllamaRowEncoder(new MllamaChatEncoder(tokenizer, template, image, config.maxLength(), config.imageFolder()),
                template, image, config.cotStages());
    }

    private static Integer imageId(Tokenizer tokenizer) {
        try {
            int id = tokenizer.tokenId(IMAGE_TOKEN);
            return id < 0 ? null : id;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A dataset builder over the config's files with the config's workers and {@code on_bad_sample} (the dataset tools' way in). */
    public static LlavaDataset.Builder datasetBuilder(DataConfig config, RowEncoder encoder, Consumer<String> log) {
        return LlavaDataset.builder(config.files(), encoder).onBadSample(config.onBadSample()).workers(config.numWorkers()).log(log);
    }

    /** An image check that decodes and tiles each image as training will. */
    public static ImageLoader verifier(MllamaImageProcessor processor) {
        return file -> {
            processor.preprocess(Images.read(file));
            return null;
        };
    }

    /**
     * The processor of {@code data.image_processor}: a folder holding {@code preprocessor_config.json} (a model
     * folder as the hub lays it out), that file itself, or (null) Llama-3.2-11B-Vision's.
     */
    public static MllamaProcessorConfig processorConfig(Path where) throws IOException {
        if (where == null) return MllamaProcessorConfig.llama32Vision();
        Path file = Files.isDirectory(where) ? where.resolve("preprocessor_config.json") : where;
        if (!Files.isRegularFile(file)) {
            throw new FileNotFoundException(file + " (data.image_processor: a folder with preprocessor_config.json, or the file)");
        }
        return MllamaProcessorConfig.fromFile(file);
    }

    /**
     * Rank {@code rank}'s loader: the config's sampler, batch size, workers and {@code on_bad_sample}, augmentation
     * keyed by {@code seed}; rows padded with {@code padTokenId}. Close it when done.
     */
    public BatchLoader<TiledImage, MllamaBatch> loader(int worldSize, int rank, long seed, int padTokenId, Consumer<String> log) {
        ImageAugmenter augmenter = config.augment().image().enabled() ? new ImageAugmenter(config.augment().image()) : null;
        BatchLoader.Images<TiledImage> images = (file, epoch, index, number) -> {
            RgbImage rgb = Images.read(file);
            if (augmenter != null) rgb = augmenter.apply(rgb, seed, epoch, index, number);
            return processor.preprocess(rgb);
        };
        MllamaProcessorConfig p = processor.config();
        MllamaCollator collator = new MllamaCollator(padTokenId, encoder.imageTokenIndex(), p.maxImageTiles(), p.tileSize());
        TextAugmentedSamples text = config.augment().text().enabled() && dataset.hasRows()
                ? new TextAugmentedSamples(dataset, encoder, new TextAugmenter(config.augment().text()), seed) : null;
        int workers = config.numWorkers();
        return new BatchLoader<>(dataset, text, LlavaData.sampler(config, dataset, worldSize, rank, seed),
                config.perDeviceBatchSize(), images,
                (epoch, step, rows) -> collator.collate(rows.stream().map(r -> new MllamaCollator.Row(r.sample(), r.images())).toList()),
                workers, workers == 0 ? 1 : 2 * workers, config.onBadSample(), log);
    }

    public DataConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public ChatTemplate template() {
        return template;
    }

    public MllamaImageProcessor processor() {
        return processor;
    }

    public LlavaDataset dataset() {
        return dataset;
    }
}

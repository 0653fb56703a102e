package org.jtuner.data;

import java.io.IOException;
import java.util.function.Consumer;

import org.jtuner.data.sampler.LengthGroupedSampler;
import org.jtuner.data.sampler.Sampler;
import org.jtuner.data.sampler.ShuffleSampler;
import org.jtuner.text.augment.TextAugmenter;
import org.jtuner.text.template.PromptTemplate;
import org.jtuner.text.template.PromptTemplates;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.vision.augment.ImageAugmenter;

/**
 * The data side of a run, built from its {@link DataConfig}: the tokenizer, the prompt template, the image
 * pipeline and the encoded dataset, and from them a rank's sampler and data loader.
 */
public final class LlavaData {
    private final DataConfig config;
    private final Tokenizer tokenizer;
    private final PromptTemplate template;
    private final SampleEncoder encoder;
    private final ImageLoader images;
    private final LlavaDataset dataset;

    private LlavaData(DataConfig config, Tokenizer tokenizer, PromptTemplate template, SampleEncoder encoder, ImageLoader images,
                      LlavaDataset dataset) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.template = template;
        this.encoder = encoder;
        this.images = images;
        this.dataset = dataset;
    }

    /**
     * Loads the tokenizer and the image processor the config names and reads the whole dataset.
     *
     * @throws IOException              when the tokenizer, the image processor config or a data file cannot be read
     * @throws IllegalArgumentException for an unknown template
     * @throws BadSampleException       under {@code on_bad_sample: fail}, for the first bad row
     */
    public static LlavaData open(DataConfig config, Consumer<String> log) throws IOException {
        return open(config, Tokenizer.load(config.tokenizer()), ClipImageLoader.fromConfig(config), log);
    }

    /** As {@link #open(DataConfig, Consumer)}, with the tokenizer and the image pipeline given. */
    public static LlavaData open(DataConfig config, Tokenizer tokenizer, ImageLoader images, Consumer<String> log) throws IOException {
        Parts parts = parts(config, tokenizer, images);
        return parts.with(parts.datasetBuilder(log).build());
    }

    /** The pieces without the dataset, for callers that read it their own way (the dataset tools). */
    public static Parts parts(DataConfig config, Tokenizer tokenizer, ImageLoader images) {
        PromptTemplate template = PromptTemplates.get(config.template());
        SampleEncoder encoder = new SampleEncoder(tokenizer, config.template(), template, config.imageTokenIndex(), config.imageSeqLength(),
                config.maxLength(), config.imageFolder()).requireCotStages(config.cotStages());
        return new Parts(config, tokenizer, template, encoder, images);
    }

    /** The config's pieces before the dataset is read. */
    public record Parts(DataConfig config, Tokenizer tokenizer, PromptTemplate template, SampleEncoder encoder, ImageLoader images) {
        /** A dataset builder with the config's files, workers, {@code on_bad_sample} and {@code verify_images}. */
        public LlavaDataset.Builder datasetBuilder(Consumer<String> log) {
            LlavaDataset.Builder b = LlavaDataset.builder(config.files(), encoder).onBadSample(config.onBadSample())
                    .workers(config.numWorkers()).log(log);
            if (config.verifyImages()) b.verifyImages(images);
            if (config.augment().text().enabled()) b.keepRows(true); // re-encoded per epoch after text augmentation
            return b;
        }

        public LlavaData with(LlavaDataset dataset) {
            return new LlavaData(config, tokenizer, template, encoder, images, dataset);
        }
    }

    /**
     * Rank {@code rank}'s sampler: the config's type, with {@code seed} unless the config fixes one (the caller
     * passes the seed all ranks share: rank 0's, broadcast).
     */
    public Sampler sampler(int worldSize, int rank, long seed) {
        return sampler(config, dataset, worldSize, rank, seed);
    }

    /** The sampler {@code config} names over {@code dataset}, for rank {@code rank} (every model family's). */
    public static Sampler sampler(DataConfig config, LlavaDataset dataset, int worldSize, int rank, long seed) {
        long s = config.sampler().seed() != null ? config.sampler().seed() : seed;
        return switch (config.sampler().type()) {
            case LENGTH_GROUPED -> new LengthGroupedSampler(dataset.modalityLengths(), config.perDeviceBatchSize(), worldSize, rank,
                    config.sampler().megaBatchMult(), s, true);
            case SHUFFLE -> new ShuffleSampler(dataset.size(), worldSize, rank, s, true, true);
        };
    }

    /** Rank {@code rank}'s loader, with the config's batch size, workers and {@code on_bad_sample}; close it when done. */
    public DataLoader loader(int worldSize, int rank, long seed, Consumer<String> log) {
        ImageLoader pipeline = images;
        if (config.augment().image().enabled() && images instanceof ClipImageLoader clip) {
            // augmentation draws are keyed by the run seed, so every rank and a resumed run see the same images
            pipeline = clip.withAugmentation(new ImageAugmenter(config.augment().image()), seed);
        }
        TextAugmentedSamples text = config.augment().text().enabled() && dataset.hasRows()
                ? new TextAugmentedSamples(dataset, encoder, new TextAugmenter(config.augment().text()), seed) : null;
        int workers = config.numWorkers();
        return new DataLoader(dataset, text, sampler(worldSize, rank, seed), config.perDeviceBatchSize(), pipeline, new Collator(),
                workers, workers == 0 ? 1 : 2 * workers, config.onBadSample(), log);
    }

    public DataConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public PromptTemplate template() {
        return template;
    }

    public SampleEncoder encoder() {
        return encoder;
    }

    public ImageLoader images() {
        return images;
    }

    public LlavaDataset dataset() {
        return dataset;
    }
}

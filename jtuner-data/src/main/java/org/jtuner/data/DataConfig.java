package org.jtuner.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import org.jtuner.data.config.ConfigException;
import org.jtuner.data.config.ConfigNode;
import org.jtuner.data.config.Suggestions;
import org.jtuner.text.template.PromptTemplates;

/**
 * The {@code data:} section of a run config: which LLaVA files to read and how to turn them into batches. The
 * training config embeds it as its {@code data} section ({@link #fromYamlSection}); the dataset tools read it
 * from a whole run config file ({@link #fromYaml(Path)}, other top-level sections ignored).
 *
 * <pre>
 * data:
 *   files: [llava_v1_5_mix665k.json]   # .json (a list) or .jsonl; several are concatenated in order
 *   image_folder: data/llava_images      # image paths in the rows are relative to it
 *   template: vicuna                     # a built-in prompt template (XTuner's PROMPT_TEMPLATE names), or chat_template
 *   max_length: 2048                     # counts the expanded image tokens
 *   pad_image_to_square: true            # LLaVA's expand2square with the processor's mean colour
 *   tokenizer: models/vicuna-7b-v1.5     # a folder with tokenizer.json (and tokenizer_config.json)
 *   image_processor: models/clip-vit-large-patch14-336   # a folder with preprocessor_config.json; absent: CLIP ViT-L/14-336
 *   image_token_index: 32000             # the id each image's tokens carry in input_ids
 *   image_seq_length: 576                # tokens per image: (336 / 14)^2 for CLIP ViT-L/14-336
 *   on_bad_sample: fail                  # or skip
 *   verify_images: false                 # decode every image before training (else only their existence is checked)
 *   sampler: {type: length_grouped, mega_batch_mult: null, seed: null}
 *   per_device_batch_size: 16
 *   num_workers: 4
 *   augment: {image: {...}}              # see AugmentConfig; absent: no augmentation
 *   cot_stages: false                    # LLaVA-CoT data: every answer must be SUMMARY, CAPTION, REASONING, CONCLUSION
 * </pre>
 *
 * Relative paths are taken as written (relative to the working directory, as XTuner does); {@link #resolvedAgainst}
 * makes them relative to another folder, such as the config file's.
 *
 * @param imageTokenIndex the id written {@code imageSeqLength} times in {@code input_ids} for each image, where the
 *                        model puts the image's patch features (Hugging Face LLaVA's {@code image_token_index}). The
 *                        default -200 is XTuner's {@code IMAGE_TOKEN_INDEX}, never a vocabulary id; a model whose
 *                        forward looks the id up in its embedding needs its own (the training config sets it from the
 *                        model's {@code image_token_index})
 */
public record DataConfig(
        List<Path> files, Path imageFolder, String template, int maxLength, boolean padImageToSquare,
        Path tokenizer, Path imageProcessor, int imageTokenIndex, int imageSeqLength,
        OnBadSample onBadSample, boolean verifyImages, SamplerConfig sampler, int perDeviceBatchSize, int numWorkers,
        AugmentConfig augment, boolean cotStages) {

    public static final int DEFAULT_MAX_LENGTH = 2048;
    /** XTuner's {@code IMAGE_TOKEN_INDEX}. */
    public static final int DEFAULT_IMAGE_TOKEN_INDEX = -200;
    /** CLIP ViT-L/14 at 336 pixels: 24 x 24 patches. */
    public static final int DEFAULT_IMAGE_SEQ_LENGTH = 576;
    public static final int DEFAULT_BATCH_SIZE = 16;
    public static final int DEFAULT_NUM_WORKERS = 4;
    /** {@code template: chat_template}: the tokenizer's own Jinja chat template (mllama models take only this). */
    public static final String TOKENIZER_CHAT_TEMPLATE = "chat_template";

    /** The keys of the {@code data} mapping. */
    public static final Set<String> KEYS = Set.of("files", "image_folder", "template", "max_length", "pad_image_to_square",
            "tokenizer", "image_processor", "image_token_index", "image_seq_length", "on_bad_sample", "verify_images",
            "sampler", "per_device_batch_size", "num_workers", "augment", "cot_stages");

    public DataConfig {
        Objects.requireNonNull(files, "files");
        if (files.isEmpty()) throw new IllegalArgumentException("data.files needs at least one file");
        files = List.copyOf(files);
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(tokenizer, "tokenizer");
        if (maxLength < 1) throw new IllegalArgumentException("data.max_length must be positive, got " + maxLength);
        if (imageSeqLength < 1) throw new IllegalArgumentException("data.image_seq_length must be positive, got " + imageSeqLength);
        if (perDeviceBatchSize < 1) throw new IllegalArgumentException("data.per_device_batch_size must be positive, got " + perDeviceBatchSize);
        if (numWorkers < 0) throw new IllegalArgumentException("data.num_workers must be 0 or more, got " + numWorkers);
        if (onBadSample == null) onBadSample = OnBadSample.FAIL;
        if (sampler == null) sampler = SamplerConfig.DEFAULT;
        if (augment == null) augment = AugmentConfig.NONE;
    }

    /** Without augmentation (the form before {@code data.augment} existed). */
    public DataConfig(List<Path> files, Path imageFolder, String template, int maxLength, boolean padImageToSquare,
                      Path tokenizer, Path imageProcessor, int imageTokenIndex, int imageSeqLength, OnBadSample onBadSample,
                      boolean verifyImages, SamplerConfig sampler, int perDeviceBatchSize, int numWorkers) {
        this(files, imageFolder, template, maxLength, padImageToSquare, tokenizer, imageProcessor, imageTokenIndex,
                imageSeqLength, onBadSample, verifyImages, sampler, perDeviceBatchSize, numWorkers, AugmentConfig.NONE, false);
    }

    /** A config with every optional key at its default. */
    public static DataConfig of(List<Path> files, Path imageFolder, String template, Path tokenizer) {
        return new DataConfig(files, imageFolder, template, DEFAULT_MAX_LENGTH, false, tokenizer, null,
                DEFAULT_IMAGE_TOKEN_INDEX, DEFAULT_IMAGE_SEQ_LENGTH, OnBadSample.FAIL, false, SamplerConfig.DEFAULT,
                DEFAULT_BATCH_SIZE, DEFAULT_NUM_WORKERS);
    }

    /**
     * Strictly reads the {@code data} mapping of a run config: unknown keys are errors naming the key and the
     * nearest valid one; messages carry the key's path ({@code data.sampler.type}).
     *
     * @throws ConfigException when the section is not valid
     */
    public static DataConfig fromYamlSection(JsonNode data) {
        ConfigNode n = ConfigNode.of(data, "data", KEYS);
        String template = n.requiredString("template");
        if (!PromptTemplates.names().contains(template) && !template.equals(TOKENIZER_CHAT_TEMPLATE)) {
            String near = Suggestions.nearest(template, PromptTemplates.names());
            throw new ConfigException("data.template", "unknown prompt template '" + template + "'"
                    + (near != null ? "; did you mean '" + near + "'?" : "") + " (built in: " + String.join(", ", PromptTemplates.names())
                    + "; or " + TOKENIZER_CHAT_TEMPLATE + " for the tokenizer's own)");
        }
        try {
            return new DataConfig(
                    n.paths("files"), n.pathValue("image_folder"), template,
                    n.integer("max_length", DEFAULT_MAX_LENGTH, 1, Integer.MAX_VALUE),
                    n.bool("pad_image_to_square", false),
                    n.requiredPath("tokenizer"), n.pathValue("image_processor"),
                    n.integer("image_token_index", DEFAULT_IMAGE_TOKEN_INDEX, Integer.MIN_VALUE + 1, Integer.MAX_VALUE),
                    n.integer("image_seq_length", DEFAULT_IMAGE_SEQ_LENGTH, 1, 1 << 20),
                    n.enumValue("on_bad_sample", OnBadSample.class, OnBadSample.FAIL),
                    n.bool("verify_images", false),
                    SamplerConfig.read(n.child("sampler", SamplerConfig.KEYS)),
                    n.integer("per_device_batch_size", DEFAULT_BATCH_SIZE, 1, 1 << 20),
                    n.integer("num_workers", DEFAULT_NUM_WORKERS, 0, 1024),
                    AugmentConfig.read(n.child("augment", AugmentConfig.KEYS)),
                    n.bool("cot_stages", false));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("data", e.getMessage());
        }
    }

    /** Reads the {@code data} section of a whole run config given as YAML (or JSON) text; other sections are ignored. */
    public static DataConfig fromYamlText(String yaml) {
        JsonNode root;
        try {
            root = yamlMapper().readTree(yaml);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ConfigException("<config>", "not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        }
        if (root == null || !root.isObject()) throw new ConfigException("<config>", "expected a mapping at the top level");
        if (!root.has("data")) throw new ConfigException("data", "missing: the run config has no data section");
        return fromYamlSection(root.get("data"));
    }

    /** Reads the {@code data} section of a run config file; other top-level sections are ignored. */
    public static DataConfig fromYaml(Path file) throws IOException {
        String text = Files.readString(file);
        try {
            return fromYamlText(text);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.path(), e.getMessage().substring(e.path().length() + 2));
        }
    }

    /** A YAML mapper (Jackson's YAML module), shared by the config readers. */
    public static ObjectMapper yamlMapper() {
        return new ObjectMapper(new YAMLFactory());
    }

    /** This config with its relative paths (files, image folder, tokenizer, image processor) taken from {@code base}. */
    public DataConfig resolvedAgainst(Path base) {
        return new DataConfig(files.stream().map(base::resolve).toList(), imageFolder == null ? null : base.resolve(imageFolder),
                template, maxLength, padImageToSquare, base.resolve(tokenizer), imageProcessor == null ? null : base.resolve(imageProcessor),
                imageTokenIndex, imageSeqLength, onBadSample, verifyImages, sampler, perDeviceBatchSize, numWorkers, augment, cotStages);
    }

    public DataConfig withOnBadSample(OnBadSample mode) {
        return new DataConfig(files, imageFolder, template, maxLength, padImageToSquare, tokenizer, imageProcessor,
                imageTokenIndex, imageSeqLength, mode, verifyImages, sampler, perDeviceBatchSize, numWorkers, augment, cotStages);
    }

    public DataConfig withMaxLength(int length) {
        return new DataConfig(files, imageFolder, template, length, padImageToSquare, tokenizer, imageProcessor,
                imageTokenIndex, imageSeqLength, onBadSample, verifyImages, sampler, perDeviceBatchSize, numWorkers, augment, cotStages);
    }

    public DataConfig withImageTokens(int tokenIndex, int seqLength) {
        return new DataConfig(files, imageFolder, template, maxLength, padImageToSquare, tokenizer, imageProcessor,
                tokenIndex, seqLength, onBadSample, verifyImages, sampler, perDeviceBatchSize, numWorkers, augment, cotStages);
    }

    public DataConfig withAugment(AugmentConfig a) {
        return new DataConfig(files, imageFolder, template, maxLength, padImageToSquare, tokenizer, imageProcessor,
                imageTokenIndex, imageSeqLength, onBadSample, verifyImages, sampler, perDeviceBatchSize, numWorkers, a, cotStages);
    }

    public DataConfig withCotStages(boolean on) {
        return new DataConfig(files, imageFolder, template, maxLength, padImageToSquare, tokenizer, imageProcessor,
                imageTokenIndex, imageSeqLength, onBadSample, verifyImages, sampler, perDeviceBatchSize, numWorkers, augment, on);
    }

    public DataConfig withSampler(SamplerConfig s) {
        return new DataConfig(files, imageFolder, template, maxLength, padImageToSquare, tokenizer, imageProcessor,
                imageTokenIndex, imageSeqLength, onBadSample, verifyImages, s, perDeviceBatchSize, numWorkers, augment, cotStages);
    }

    public DataConfig withBatching(int batchSize, int workers) {
        return new DataConfig(files, imageFolder, template, maxLength, padImageToSquare, tokenizer, imageProcessor,
                imageTokenIndex, imageSeqLength, onBadSample, verifyImages, sampler, batchSize, workers, augment, cotStages);
    }

    /** The section as a mapping with every key written out (defaults included), for the run's resolved config. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ArrayNode f = o.putArray("files");
        files.forEach(p -> f.add(p.toString()));
        putPath(o, "image_folder", imageFolder);
        o.put("template", template);
        o.put("max_length", maxLength);
        o.put("pad_image_to_square", padImageToSquare);
        putPath(o, "tokenizer", tokenizer);
        putPath(o, "image_processor", imageProcessor);
        o.put("image_token_index", imageTokenIndex);
        o.put("image_seq_length", imageSeqLength);
        o.put("on_bad_sample", onBadSample.name().toLowerCase(Locale.ROOT));
        o.put("verify_images", verifyImages);
        o.set("sampler", sampler.toJson());
        o.put("per_device_batch_size", perDeviceBatchSize);
        o.put("num_workers", numWorkers);
        if (augment.enabled()) o.set("augment", augment.toJson());
        if (cotStages) o.put("cot_stages", true);
        return o;
    }

    private static void putPath(ObjectNode o, String key, Path p) {
        if (p == null) o.putNull(key); else o.put(key, p.toString());
    }
}

package org.jtuner.vision.mllama;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.vision.ClipProcessorConfig;
import org.jtuner.vision.ResampleFilter;

/**
 * The settings of transformers' {@code MllamaImageProcessor} (Llama 3.2 Vision), as its
 * {@code preprocessor_config.json} spells them: square tiles of {@code size.height} pixels, at most
 * {@code max_image_tiles} of them per image, Pillow BILINEAR by default, CLIP mean and std.
 */
public record MllamaProcessorConfig(int tileSize, int maxImageTiles, ResampleFilter resample, boolean doRescale,
                                    double rescaleFactor, boolean doNormalize, double[] imageMean, double[] imageStd) {
    /** Keys of a preprocessor config that this class reads or that carry no meaning for the pixels. */
    private static final Set<String> KNOWN = Set.of("do_convert_rgb", "do_resize", "size", "resample", "do_rescale",
            "rescale_factor", "do_normalize", "image_mean", "image_std", "do_pad", "max_image_tiles",
            "image_processor_type", "processor_class");

    public MllamaProcessorConfig {
        if (tileSize <= 0) throw new IllegalArgumentException("tile size must be positive, got " + tileSize);
        if (maxImageTiles <= 0) throw new IllegalArgumentException("max_image_tiles must be positive, got " + maxImageTiles);
        if (imageMean.length != 3 || imageStd.length != 3) throw new IllegalArgumentException("image_mean and image_std need 3 values each");
    }

    /** Llama-3.2-11B-Vision's processor: 560-pixel tiles, at most 4, bilinear, CLIP mean and std. */
    public static MllamaProcessorConfig llama32Vision() {
        return new MllamaProcessorConfig(560, 4, ResampleFilter.BILINEAR, true, 1 / 255.0, true,
                ClipProcessorConfig.CLIP_MEAN.clone(), ClipProcessorConfig.CLIP_STD.clone());
    }

    public static MllamaProcessorConfig fromFile(Path file) throws IOException {
        try {
            return fromJson(new ObjectMapper().readTree(file.toFile()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Reads the kwargs; absent keys take transformers' defaults. Settings this processor cannot honour are refused. */
    public static MllamaProcessorConfig fromJson(JsonNode root) {
        MllamaProcessorConfig d = llama32Vision();
        root.fieldNames().forEachRemaining(k -> {
            if (!KNOWN.contains(k)) throw new IllegalArgumentException("unknown Mllama image processor setting '" + k + "'");
        });
        if (!root.path("do_resize").asBoolean(true) || !root.path("do_pad").asBoolean(true)) {
            // transformers refuses these too (_validate_mllama_preprocess_arguments): tiles need a resized, padded canvas.
            throw new IllegalArgumentException("MllamaImageProcessor needs do_resize and do_pad true");
        }
        int tile = d.tileSize;
        JsonNode size = root.get("size");
        if (size != null) {
            int h = size.path("height").asInt(-1);
            int w = size.path("width").asInt(-1);
            if (h <= 0 || h != w) throw new IllegalArgumentException("size must be {height: S, width: S} with square tiles, got " + size);
            tile = h;
        }
        return new MllamaProcessorConfig(tile, root.path("max_image_tiles").asInt(d.maxImageTiles),
                root.has("resample") ? ResampleFilter.fromPillowCode(root.get("resample").asInt()) : d.resample,
                root.path("do_rescale").asBoolean(true), root.path("rescale_factor").asDouble(d.rescaleFactor),
                root.path("do_normalize").asBoolean(true), triple(root, "image_mean", d.imageMean),
                triple(root, "image_std", d.imageStd));
    }

    private static double[] triple(JsonNode root, String key, double[] fallback) {
        JsonNode n = root.get(key);
        if (n == null) return fallback;
        if (!n.isArray() || n.size() != 3) throw new IllegalArgumentException(key + " must be a list of 3 numbers, got " + n);
        return new double[] {n.get(0).asDouble(), n.get(1).asDouble(), n.get(2).asDouble()};
    }
}

package org.jtuner.vision;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The parameters of {@code CLIPImageProcessor}, as a Hugging Face {@code preprocessor_config.json} gives them.
 *
 * @param doResize     resize before cropping
 * @param size         the resize target: a shortest edge (aspect kept) or an exact height and width
 * @param resample     Pillow filter for the resize ({@code "resample": 3} is bicubic)
 * @param doCenterCrop crop the centre {@code cropHeight x cropWidth} (zero-padding where the image is smaller)
 * @param doRescale    multiply by {@code rescaleFactor}
 * @param doNormalize  subtract {@code imageMean}, divide by {@code imageStd}, per channel
 * @param imageMean    per-channel mean, as written in the config (doubles; LLaVA's pad colour is derived from them)
 * @param imageStd     per-channel standard deviation
 */
public record ClipProcessorConfig(
        boolean doResize, Size size, ResampleFilter resample,
        boolean doCenterCrop, int cropHeight, int cropWidth,
        boolean doRescale, double rescaleFactor,
        boolean doNormalize, double[] imageMean, double[] imageStd) {

    /** OpenAI CLIP's mean and std ({@code OPENAI_CLIP_MEAN}, {@code OPENAI_CLIP_STD} in transformers). */
    public static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    public static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    public ClipProcessorConfig {
        if (size == null || resample == null) throw new IllegalArgumentException("size and resample are required");
        if (cropHeight <= 0 || cropWidth <= 0) throw new IllegalArgumentException("crop size must be positive: " + cropHeight + "x" + cropWidth);
        if (imageMean == null || imageMean.length != 3 || imageStd == null || imageStd.length != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values each (RGB)");
        }
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
    }

    /**
     * The resize target. With {@code shortestEdge > 0} the shorter side becomes {@code shortestEdge} and the longer
     * {@code int(shortestEdge * long / short)} (transformers' {@code get_resize_output_image_size} with
     * {@code default_to_square=False}); otherwise the image becomes exactly {@code height x width}.
     */
    public record Size(int shortestEdge, int height, int width) {
        public Size {
            if (shortestEdge > 0 ? (height != 0 || width != 0) : (height <= 0 || width <= 0)) {
                throw new IllegalArgumentException("size is either a shortest edge or a height and width, got shortest_edge="
                        + shortestEdge + " height=" + height + " width=" + width);
            }
        }

        public static Size shortestEdge(int edge) {
            return new Size(edge, 0, 0);
        }

        public static Size exact(int height, int width) {
            return new Size(0, height, width);
        }

        /** {@code {outWidth, outHeight}} for an image of {@code width x height}. */
        int[] outputFor(int width, int height) {
            if (shortestEdge <= 0) return new int[] {this.width, this.height};
            int shortSide = Math.min(width, height);
            int longSide = Math.max(width, height);
            // Python: int(size * long / short); the product is exact, the division is one correctly rounded double.
            int newLong = (int) ((double) ((long) shortestEdge * longSide) / shortSide);
            return width <= height ? new int[] {shortestEdge, newLong} : new int[] {newLong, shortestEdge};
        }
    }

    /** The processor of the CLIP ViT-L/14-336 tower that LLaVA-1.5 and XTuner's LLaVA recipes use. */
    public static ClipProcessorConfig clipVitL14_336() {
        return new ClipProcessorConfig(true, Size.shortestEdge(336), ResampleFilter.BICUBIC, true, 336, 336,
                true, 1 / 255.0, true, CLIP_MEAN, CLIP_STD);
    }

    /** Reads a {@code preprocessor_config.json}. */
    public static ClipProcessorConfig fromFile(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IOException("cannot read image processor config " + file + ": " + e.getMessage(), e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the processor's keys from a JSON object. Keys that are absent take {@code CLIPImageProcessor}'s own
     * defaults (as transformers does: shortest edge 224, crop 224, bicubic, 1/255, OpenAI CLIP mean and std).
     * {@code size} and {@code crop_size} may be plain integers, as older configs write them.
     */
    public static ClipProcessorConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) throw new IllegalArgumentException("image processor config must be a JSON object");
        String type = root.path("image_processor_type").asText(root.path("feature_extractor_type").asText(""));
        if (!type.isEmpty() && !type.startsWith("CLIP")) {
            throw new IllegalArgumentException("not a CLIP image processor config: " + type);
        }
        Size size = parseSize(root.get("size"));
        int[] crop = parseCrop(root.get("crop_size"));
        return new ClipProcessorConfig(
                bool(root, "do_resize", true), size,
                ResampleFilter.fromPillowCode(root.path("resample").asInt(ResampleFilter.BICUBIC.pillowCode)),
                bool(root, "do_center_crop", true), crop[0], crop[1],
                bool(root, "do_rescale", true), root.path("rescale_factor").asDouble(1 / 255.0),
                bool(root, "do_normalize", true),
                doubles(root.get("image_mean"), CLIP_MEAN, "image_mean"),
                doubles(root.get("image_std"), CLIP_STD, "image_std"));
    }

    private static Size parseSize(JsonNode node) {
        if (node == null || node.isNull()) return Size.shortestEdge(224);
        if (node.isInt()) return Size.shortestEdge(node.asInt());
        if (node.has("shortest_edge")) return Size.shortestEdge(node.get("shortest_edge").asInt());
        if (node.has("height") && node.has("width")) return Size.exact(node.get("height").asInt(), node.get("width").asInt());
        throw new IllegalArgumentException("size must be an integer, {\"shortest_edge\": n} or {\"height\": h, \"width\": w}, got " + node);
    }

    private static int[] parseCrop(JsonNode node) {
        if (node == null || node.isNull()) return new int[] {224, 224};
        if (node.isInt()) return new int[] {node.asInt(), node.asInt()};
        if (node.has("height") && node.has("width")) return new int[] {node.get("height").asInt(), node.get("width").asInt()};
        throw new IllegalArgumentException("crop_size must be an integer or {\"height\": h, \"width\": w}, got " + node);
    }

    private static boolean bool(JsonNode root, String key, boolean fallback) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? fallback : v.asBoolean();
    }

    private static double[] doubles(JsonNode node, double[] fallback, String key) {
        if (node == null || node.isNull()) return fallback.clone();
        if (node.isNumber()) return new double[] {node.asDouble(), node.asDouble(), node.asDouble()};
        if (!node.isArray() || node.size() != 3) throw new IllegalArgumentException(key + " must be a number or 3 numbers, got " + node);
        return new double[] {node.get(0).asDouble(), node.get(1).asDouble(), node.get(2).asDouble()};
    }

    @Override
    public double[] imageMean() {
        return imageMean.clone();
    }

    @Override
    public double[] imageStd() {
        return imageStd.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClipProcessorConfig c && doResize == c.doResize && size.equals(c.size) && resample == c.resample
                && doCenterCrop == c.doCenterCrop && cropHeight == c.cropHeight && cropWidth == c.cropWidth
                && doRescale == c.doRescale && rescaleFactor == c.rescaleFactor && doNormalize == c.doNormalize
                && Arrays.equals(imageMean, c.imageMean) && Arrays.equals(imageStd, c.imageStd);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * size.hashCode() + Arrays.hashCode(imageMean)) + Arrays.hashCode(imageStd);
    }

    @Override
    public String toString() {
        return "ClipProcessorConfig[resize=" + (doResize ? size : "no") + ", resample=" + resample
                + ", crop=" + (doCenterCrop ? cropHeight + "x" + cropWidth : "no") + ", rescale=" + (doRescale ? rescaleFactor : "no")
                + ", normalize=" + (doNormalize ? Arrays.toString(imageMean) + "/" + Arrays.toString(imageStd) : "no") + "]";
    }
}

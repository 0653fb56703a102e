package org.jtuner.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.config.ConfigException;
import org.jtuner.data.config.ConfigNode;
import org.jtuner.text.augment.TextAugmentConfig;
import org.jtuner.vision.augment.ImageAugmentConfig;

/**
 * The {@code data.augment} section: what happens to each training sample before it is encoded. Absent, nothing.
 *
 * <pre>
 * augment:
 *   image:                       # on the decoded image, before pad-to-square and the processor
 *     random_resized_crop: {p: 0.5, size: null, scale: [0.08, 1.0], ratio: [0.75, 1.3333333]}  # size null: the image's own
 *     color_jitter: {p: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1}
 *     hflip: {p: 0.0}             # off by default: a flip makes "left of" answers wrong
 *   text:                        # on each question/answer pair, before the template (TextAugmenter)
 *     synonym_fraction: 0.1      # share of replaceable content words replaced by a WordNet synonym
 *     option_shuffle_p: 0.5      # multiple-choice options shuffled, the answer letter relabelled
 *     reword_p: 0.3              # one of the prefixes / suffixes added to the question
 *     prefixes: ["Answer the question:"]
 *     suffixes: ["Please think step by step."]
 * </pre>
 * Parameters are drawn from a generator seeded by (run seed, epoch, sample index).
 */
public record AugmentConfig(ImageAugmentConfig image, TextAugmentConfig text) {
    public static final AugmentConfig NONE = new AugmentConfig(ImageAugmentConfig.NONE, TextAugmentConfig.NONE);
    static final Set<String> KEYS = Set.of("image", "text");
    private static final Set<String> TEXT_KEYS = Set.of("synonym_fraction", "option_shuffle_p", "reword_p", "prefixes", "suffixes");
    private static final Set<String> IMAGE_KEYS = Set.of("random_resized_crop", "color_jitter", "hflip");
    private static final Set<String> CROP_KEYS = Set.of("p", "size", "scale", "ratio");
    private static final Set<String> JITTER_KEYS = Set.of("p", "brightness", "contrast", "saturation", "hue");

    public AugmentConfig {
        if (image == null) image = ImageAugmentConfig.NONE;
        if (text == null) text = TextAugmentConfig.NONE;
    }

    public AugmentConfig(ImageAugmentConfig image) {
        this(image, TextAugmentConfig.NONE);
    }

    static AugmentConfig read(ConfigNode n) {
        ConfigNode img = n.child("image", IMAGE_KEYS);
        try {
            ImageAugmentConfig.Crop crop = null;
            if (img.has("random_resized_crop")) {
                ConfigNode c = img.child("random_resized_crop", CROP_KEYS);
                double[] scale = c.range("scale", 0.08, 1.0), ratio = c.range("ratio", 3.0 / 4.0, 4.0 / 3.0);
                crop = new ImageAugmentConfig.Crop(c.number("p", 1.0, 0, 1), c.optionalInteger("size", 1, 1 << 16),
                        scale[0], scale[1], ratio[0], ratio[1]);
            }
            ImageAugmentConfig.Jitter jitter = null;
            if (img.has("color_jitter")) {
                ConfigNode j = img.child("color_jitter", JITTER_KEYS);
                jitter = new ImageAugmentConfig.Jitter(j.number("p", 1.0, 0, 1), j.number("brightness", 0, 0, 1e9),
                        j.number("contrast", 0, 0, 1e9), j.number("saturation", 0, 0, 1e9), j.number("hue", 0, 0, 0.5));
            }
            double hflip = img.child("hflip", Set.of("p")).number("p", 0.0, 0, 1);
            return new AugmentConfig(new ImageAugmentConfig(crop, jitter, hflip), readText(n.child("text", TEXT_KEYS)));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(img.path(), e.getMessage());
        }
    }

    private static TextAugmentConfig readText(ConfigNode t) {
        try {
            return new TextAugmentConfig(t.number("synonym_fraction", 0, 0, 1), t.number("option_shuffle_p", 0, 0, 1),
                    t.number("reword_p", 0, 0, 1), strings(t, "prefixes"), strings(t, "suffixes"));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(t.path(), e.getMessage());
        }
    }

    private static List<String> strings(ConfigNode t, String key) {
        JsonNode v = t.raw(key);
        if (v == null || v.isNull()) return List.of();
        if (!v.isArray()) throw new ConfigException(t.path(key), "expected a list of strings");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            if (!v.get(i).isTextual() || v.get(i).asText().isBlank()) {
                throw new ConfigException(t.path(key) + "[" + i + "]", "expected a non-empty string");
            }
            out.add(v.get(i).asText());
        }
        return out;
    }

    public boolean enabled() {
        return image.enabled() || text.enabled();
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        ObjectNode img = o.putObject("image");
        if (image.crop() != null) {
            var c = image.crop();
            ObjectNode n = img.putObject("random_resized_crop").put("p", c.p());
            if (c.size() != null) n.put("size", c.size()); else n.putNull("size");
            n.putArray("scale").add(c.scaleMin()).add(c.scaleMax());
            n.putArray("ratio").add(c.ratioMin()).add(c.ratioMax());
        }
        if (image.jitter() != null) {
            var j = image.jitter();
            img.putObject("color_jitter").put("p", j.p()).put("brightness", j.brightness()).put("contrast", j.contrast())
                    .put("saturation", j.saturation()).put("hue", j.hue());
        }
        img.putObject("hflip").put("p", image.hflipP());
        if (text.enabled()) {
            ObjectNode t = o.putObject("text").put("synonym_fraction", text.synonymFraction())
                    .put("option_shuffle_p", text.optionShuffleP()).put("reword_p", text.rewordP());
            text.prefixes().forEach(t.putArray("prefixes")::add);
            text.suffixes().forEach(t.putArray("suffixes")::add);
        }
        return o;
    }
}

package org.jtuner.data;

import java.util.Set;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.config.ConfigException;
import org.jtuner.data.config.ConfigNode;
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
 * </pre>
 * Parameters are drawn from a generator seeded by (run seed, epoch, sample index).
 */
public record AugmentConfig(ImageAugmentConfig image) {
    public static final AugmentConfig NONE = new AugmentConfig(ImageAugmentConfig.NONE);
    static final Set<String> KEYS = Set.of("image");
    private static final Set<String> IMAGE_KEYS = Set.of("random_resized_crop", "color_jitter", "hflip");
    private static final Set<String> CROP_KEYS = Set.of("p", "size", "scale", "ratio");
    private static final Set<String> JITTER_KEYS = Set.of("p", "brightness", "contrast", "saturation", "hue");

    public AugmentConfig {
        if (image == null) image = ImageAugmentConfig.NONE;
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
            return new AugmentConfig(new ImageAugmentConfig(crop, jitter, hflip));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(img.path(), e.getMessage());
        }
    }

    public boolean enabled() {
        return image.enabled();
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
        return o;
    }
}

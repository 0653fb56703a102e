package org.jtuner.vision.augment;

/**
 * What {@link ImageAugmenter} may do to an image; each op fires with its probability {@code p}.
 *
 * @param crop   torchvision's RandomResizedCrop; {@code size} null resizes the crop back to the image's own size
 * @param jitter torchvision's ColorJitter; each strength as torchvision takes it (brightness b means a factor
 *               drawn from [max(0, 1 - b), 1 + b]; hue h means [-h, h], h at most 0.5); 0 switches that part off
 * @param hflipP probability of a horizontal flip: 0 by default, since a flip turns "left of" questions wrong
 */
public record ImageAugmentConfig(Crop crop, Jitter jitter, double hflipP) {
    public record Crop(double p, Integer size, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        /** torchvision's defaults: scale (0.08, 1), ratio (3/4, 4/3). */
        public static Crop torchvisionDefaults(double p, Integer size) {
            return new Crop(p, size, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0);
        }

        public Crop {
            probability("crop", p);
            if (size != null && size < 1) throw new IllegalArgumentException("augment.image.random_resized_crop.size must be positive, got " + size);
            if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
                throw new IllegalArgumentException("augment.image.random_resized_crop.scale must satisfy 0 < min <= max <= 1, got [" + scaleMin + ", " + scaleMax + "]");
            }
            if (!(ratioMin > 0 && ratioMin <= ratioMax)) {
                throw new IllegalArgumentException("augment.image.random_resized_crop.ratio must satisfy 0 < min <= max, got [" + ratioMin + ", " + ratioMax + "]");
            }
        }
    }

    public record Jitter(double p, double brightness, double contrast, double saturation, double hue) {
        public Jitter {
            probability("color_jitter", p);
            if (brightness < 0 || contrast < 0 || saturation < 0) {
                throw new IllegalArgumentException("augment.image.color_jitter strengths must be >= 0");
            }
            if (hue < 0 || hue > 0.5) throw new IllegalArgumentException("augment.image.color_jitter.hue must be in [0, 0.5], got " + hue);
        }
    }

    public static final ImageAugmentConfig NONE = new ImageAugmentConfig(null, null, 0);

    public ImageAugmentConfig {
        probability("hflip", hflipP);
    }

    public boolean enabled() {
        return (crop != null && crop.p() > 0) || (jitter != null && jitter.p() > 0) || hflipP > 0;
    }

    private static void probability(String what, double p) {
        if (!(p >= 0 && p <= 1)) throw new IllegalArgumentException("augment.image." + what + ".p must be in [0, 1], got " + p);
    }
}

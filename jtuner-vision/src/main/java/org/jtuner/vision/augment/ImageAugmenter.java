package org.jtuner.vision.augment;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import org.jtuner.vision.RgbImage;

/**
 * Random augmentation of a decoded image: parameters are drawn as torchvision's transforms draw them
 * (RandomResizedCrop.get_params, ColorJitter.get_params with its random order), then applied by the exact ops of
 * {@link ImageOps}. Draws come from {@link AugmentSeed}, so the result depends only on (seed, epoch, sample, image).
 * Order: crop, then colour jitter, then flip. The draws are made with our generator, not torch's, so the
 * distributions are torchvision's while the individual numbers are not.
 */
public final class ImageAugmenter {
    private final ImageAugmentConfig config;

    public ImageAugmenter(ImageAugmentConfig config) {
        this.config = config;
    }

    public ImageAugmentConfig config() {
        return config;
    }

    public RgbImage apply(RgbImage image, long runSeed, int epoch, int sampleIndex, int imageNumber) {
        return AugmentOp.applyAll(sample(image.width(), image.height(), AugmentSeed.generator(runSeed, epoch, sampleIndex, imageNumber)), image);
    }

    /** The explicit ops for an image of this size; each probability is drawn first, then that op's parameters. */
    public List<AugmentOp> sample(int width, int height, RandomGenerator rng) {
        List<AugmentOp> ops = new ArrayList<>();
        ImageAugmentConfig.Crop c = config.crop();
        if (c != null && rng.nextDouble() < c.p()) {
            int[] box = cropParams(width, height, c, rng);
            int outH = c.size() != null ? c.size() : height, outW = c.size() != null ? c.size() : width;
            ops.add(new AugmentOp.ResizedCrop(box[0], box[1], box[2], box[3], outH, outW));
        }
        ImageAugmentConfig.Jitter j = config.jitter();
        if (j != null && rng.nextDouble() < j.p()) ops.addAll(jitterOps(j, rng));
        if (config.hflipP() > 0 && rng.nextDouble() < config.hflipP()) ops.add(new AugmentOp.HFlip());
        return ops;
    }

    /**
     * RandomResizedCrop.get_params (torchvision 0.14): up to ten tries of an area share from {@code scale} and a
     * log-uniform aspect ratio from {@code ratio}, rounded as Python's round() does; a box that fits is placed
     * uniformly. After ten misses, the centre crop clamped to the ratio range. Returns {top, left, height, width}.
     */
    static int[] cropParams(int width, int height, ImageAugmentConfig.Crop c, RandomGenerator rng) {
        double area = (double) height * width;
        double logMin = Math.log(c.ratioMin()), logMax = Math.log(c.ratioMax());
        for (int attempt = 0; attempt < 10; attempt++) {
            double targetArea = area * uniform(rng, c.scaleMin(), c.scaleMax());
            double aspect = Math.exp(uniform(rng, logMin, logMax));
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = rng.nextInt(height - h + 1), left = rng.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        return centreFallback(width, height, c.ratioMin(), c.ratioMax());
    }

    static int[] centreFallback(int width, int height, double ratioMin, double ratioMax) {
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    /** ColorJitter.get_params: a random order of the four, then each enabled factor drawn uniformly from its range. */
    static List<AugmentOp> jitterOps(ImageAugmentConfig.Jitter j, RandomGenerator rng) {
        int[] order = {0, 1, 2, 3};
        for (int i = order.length - 1; i > 0; i--) { // Fisher-Yates: every order equally likely, as torch.randperm(4)
            int k = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[k];
            order[k] = t;
        }
        Double b = j.brightness() > 0 ? uniform(rng, Math.max(0, 1 - j.brightness()), 1 + j.brightness()) : null;
        Double c = j.contrast() > 0 ? uniform(rng, Math.max(0, 1 - j.contrast()), 1 + j.contrast()) : null;
        Double s = j.saturation() > 0 ? uniform(rng, Math.max(0, 1 - j.saturation()), 1 + j.saturation()) : null;
        Double h = j.hue() > 0 ? uniform(rng, -j.hue(), j.hue()) : null;
        List<AugmentOp> ops = new ArrayList<>(4);
        for (int id : order) {
            switch (id) {
                case 0 -> { if (b != null) ops.add(new AugmentOp.Brightness(b)); }
                case 1 -> { if (c != null) ops.add(new AugmentOp.Contrast(c)); }
                case 2 -> { if (s != null) ops.add(new AugmentOp.Saturation(s)); }
                default -> { if (h != null) ops.add(new AugmentOp.Hue(h)); }
            }
        }
        return ops;
    }

    private static double uniform(RandomGenerator rng, double lo, double hi) {
        return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
    }
}

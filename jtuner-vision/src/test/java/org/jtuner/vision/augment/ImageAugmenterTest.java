package org.jtuner.vision.augment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import org.jtuner.vision.RgbImage;
import org.junit.jupiter.api.Test;

/** Parameter sampling over many draws: within the configured ranges, torchvision's fallback, reproducible per key. */
class ImageAugmenterTest {
    static final ImageAugmentConfig ALL = new ImageAugmentConfig(
            new ImageAugmentConfig.Crop(1.0, 224, 0.3, 0.9, 0.75, 4.0 / 3.0),
            new ImageAugmentConfig.Jitter(1.0, 0.4, 0.3, 0.2, 0.1), 0.5);

    @Test
    void cropBoxesStayInsideTheImageAndWithinScaleAndRatio() {
        SplittableRandom rng = new SplittableRandom(1);
        int[][] sizes = {{500, 375}, {64, 48}, {200, 300}, {337, 101}};
        ImageAugmentConfig.Crop c = ALL.crop();
        int fallbacks = 0;
        for (int[] size : sizes) {
            int width = size[0], height = size[1];
            int[] centre = ImageAugmenter.centreFallback(width, height, c.ratioMin(), c.ratioMax());
            for (int n = 0; n < 5000; n++) {
                int[] b = ImageAugmenter.cropParams(width, height, c, rng);
                int top = b[0], left = b[1], h = b[2], w = b[3];
                assertThat(top).isBetween(0, height - h);
                assertThat(left).isBetween(0, width - w);
                assertThat(h).isBetween(1, height);
                assertThat(w).isBetween(1, width);
                if (java.util.Arrays.equals(b, centre)) {
                    fallbacks++;
                    continue;
                }
                // w and h are sqrt(area·ratio) and sqrt(area/ratio) rounded: the unrounded values lie within half a
                // pixel, so the drawn area and ratio lie in these intervals, which must meet the configured ranges
                double areaLo = (w - 0.5) * (h - 0.5), areaHi = (w + 0.5) * (h + 0.5);
                assertThat(areaHi).isGreaterThanOrEqualTo(c.scaleMin() * width * height);
                assertThat(areaLo).isLessThanOrEqualTo(c.scaleMax() * width * height);
                assertThat((w + 0.5) / (h - 0.5)).isGreaterThanOrEqualTo(c.ratioMin());
                assertThat((w - 0.5) / (h + 0.5)).isLessThanOrEqualTo(c.ratioMax());
            }
            if (width != 337) assertThat(fallbacks).as("the fallback is rare for %dx%d", width, height).isLessThan(100);
            fallbacks = 0;
        }
    }

    @Test
    void tenMissesFallBackToTheCentreCropClampedToTheRatio() {
        // a 1000x10 strip can never hold a box of ratio <= 4/3 covering >= 90%: every try misses
        var c = new ImageAugmentConfig.Crop(1, null, 0.9, 1.0, 0.75, 4.0 / 3.0);
        int[] b = ImageAugmenter.cropParams(1000, 10, c, new SplittableRandom(3));
        // in_ratio 100 > 4/3: h = height, w = round(10 * 4/3) = 13, centred
        assertThat(b).containsExactly(0, (1000 - 13) / 2, 10, 13);
        assertThat(ImageAugmenter.centreFallback(10, 1000, 0.75, 4.0 / 3.0)).containsExactly((1000 - 13) / 2, 0, 13, 10);
        assertThat(ImageAugmenter.centreFallback(100, 90, 0.75, 4.0 / 3.0)).containsExactly(0, 0, 90, 100);
    }

    @Test
    void jitterFactorsStayInRangeAndEveryOrderOccurs() {
        SplittableRandom rng = new SplittableRandom(2);
        Set<String> orders = new HashSet<>();
        for (int n = 0; n < 20000; n++) {
            List<AugmentOp> ops = ImageAugmenter.jitterOps(ALL.jitter(), rng);
            assertThat(ops).hasSize(4);
            StringBuilder order = new StringBuilder();
            for (AugmentOp op : ops) {
                switch (op) {
                    case AugmentOp.Brightness b -> { assertThat(b.factor()).isBetween(0.6, 1.4); order.append('b'); }
                    case AugmentOp.Contrast c -> { assertThat(c.factor()).isBetween(0.7, 1.3); order.append('c'); }
                    case AugmentOp.Saturation s -> { assertThat(s.factor()).isBetween(0.8, 1.2); order.append('s'); }
                    case AugmentOp.Hue h -> { assertThat(h.factor()).isBetween(-0.1, 0.1); order.append('h'); }
                    default -> throw new AssertionError("unexpected " + op);
                }
            }
            orders.add(order.toString());
        }
        assertThat(orders).hasSize(24);
        // a strength of 0 switches that part off
        var onlyHue = new ImageAugmentConfig.Jitter(1, 0, 0, 0, 0.05);
        assertThat(ImageAugmenter.jitterOps(onlyHue, rng)).singleElement().isInstanceOf(AugmentOp.Hue.class);
    }

    @Test
    void drawsDependOnlyOnSeedEpochAndSampleAndProbabilitiesHold() {
        ImageAugmenter a = new ImageAugmenter(ALL);
        int flips = 0, differentEpoch = 0;
        for (int index = 0; index < 2000; index++) {
            List<AugmentOp> first = a.sample(320, 240, AugmentSeed.generator(42, 0, index, 0));
            assertThat(a.sample(320, 240, AugmentSeed.generator(42, 0, index, 0))).isEqualTo(first);
            if (!a.sample(320, 240, AugmentSeed.generator(42, 1, index, 0)).equals(first)) differentEpoch++;
            if (first.getLast() instanceof AugmentOp.HFlip) flips++;
        }
        assertThat(differentEpoch).isEqualTo(2000);
        assertThat(flips).isBetween(900, 1100); // p = 0.5 over 2000 draws: 5 standard deviations is about 112

        ImageAugmenter none = new ImageAugmenter(new ImageAugmentConfig(
                ImageAugmentConfig.Crop.torchvisionDefaults(0.0, null), new ImageAugmentConfig.Jitter(0, 0.4, 0.4, 0.4, 0.1), 0));
        assertThat(none.config().enabled()).isFalse();
        RgbImage img = RgbImage.filled(8, 6, 10, 20, 30);
        assertThat(none.apply(img, 1, 2, 3, 0)).isEqualTo(img);
        // the same key gives the same pixels; the crop keeps the image size when no size is configured
        ImageAugmenter crop = new ImageAugmenter(new ImageAugmentConfig(ImageAugmentConfig.Crop.torchvisionDefaults(1, null), null, 0));
        RgbImage out = crop.apply(img, 1, 2, 3, 0);
        assertThat(out.width()).isEqualTo(8);
        assertThat(out.height()).isEqualTo(6);
        assertThat(crop.apply(img, 1, 2, 3, 0)).isEqualTo(out);
    }
}

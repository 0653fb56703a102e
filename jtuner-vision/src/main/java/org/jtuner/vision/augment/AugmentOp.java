package org.jtuner.vision.augment;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.vision.RgbImage;

/**
 * One explicit augmentation op with its parameters, as {@code jtuner augment --op NAME=ARGS} spells it:
 * {@code resized_crop=top,left,height,width,size}, {@code brightness=F}, {@code contrast=F},
 * {@code saturation=F}, {@code hue=F}, {@code hflip}.
 */
public sealed interface AugmentOp {
    RgbImage apply(RgbImage image);

    /** The crop box, resized to outHeight x outWidth (the CLI's {@code size} gives a square). */
    record ResizedCrop(int top, int left, int height, int width, int outHeight, int outWidth) implements AugmentOp {
        public RgbImage apply(RgbImage image) {
            return ImageOps.resizedCrop(image, top, left, height, width, outHeight, outWidth);
        }
    }

    record Brightness(double factor) implements AugmentOp {
        public RgbImage apply(RgbImage image) {
            return ImageOps.brightness(image, factor);
        }
    }

    record Contrast(double factor) implements AugmentOp {
        public RgbImage apply(RgbImage image) {
            return ImageOps.contrast(image, factor);
        }
    }

    record Saturation(double factor) implements AugmentOp {
        public RgbImage apply(RgbImage image) {
            return ImageOps.saturation(image, factor);
        }
    }

    record Hue(double factor) implements AugmentOp {
        public RgbImage apply(RgbImage image) {
            return ImageOps.hue(image, factor);
        }
    }

    record HFlip() implements AugmentOp {
        public RgbImage apply(RgbImage image) {
            return ImageOps.hflip(image);
        }
    }

    static RgbImage applyAll(List<AugmentOp> ops, RgbImage image) {
        RgbImage out = image;
        for (AugmentOp op : ops) out = op.apply(out);
        return out;
    }

    /** Parses {@code NAME=ARGS} (or {@code hflip}); a bad spelling is an IllegalArgumentException saying what is expected. */
    static AugmentOp parse(String spec) {
        int eq = spec.indexOf('=');
        String name = (eq < 0 ? spec : spec.substring(0, eq)).strip();
        List<String> args = new ArrayList<>();
        if (eq >= 0) for (String a : spec.substring(eq + 1).split(",", -1)) args.add(a.strip());
        try {
            return switch (name) {
                case "resized_crop" -> {
                    need(spec, args, 5, "resized_crop=top,left,height,width,size");
                    yield new ResizedCrop(Integer.parseInt(args.get(0)), Integer.parseInt(args.get(1)),
                            Integer.parseInt(args.get(2)), Integer.parseInt(args.get(3)), Integer.parseInt(args.get(4)),
                            Integer.parseInt(args.get(4)));
                }
                case "brightness" -> new Brightness(factor(spec, args, "brightness=F"));
                case "contrast" -> new Contrast(factor(spec, args, "contrast=F"));
                case "saturation" -> new Saturation(factor(spec, args, "saturation=F"));
                case "hue" -> {
                    double f = factor(spec, args, "hue=F");
                    if (f < -0.5 || f > 0.5) throw new IllegalArgumentException("op '" + spec + "': hue must be in [-0.5, 0.5]");
                    yield new Hue(f);
                }
                case "hflip" -> {
                    if (eq >= 0) throw new IllegalArgumentException("op '" + spec + "': hflip takes no arguments");
                    yield new HFlip();
                }
                default -> throw new IllegalArgumentException("unknown op '" + name + "' in '" + spec
                        + "'; expected resized_crop, brightness, contrast, saturation, hue or hflip");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("op '" + spec + "': " + e.getMessage() + " is not a number");
        }
    }

    private static double factor(String spec, List<String> args, String usage) {
        need(spec, args, 1, usage);
        double f = Double.parseDouble(args.get(0));
        if (!(f >= 0) && !usage.startsWith("hue")) throw new IllegalArgumentException("op '" + spec + "': factor must be >= 0");
        return f;
    }

    private static void need(String spec, List<String> args, int n, String usage) {
        if (args.size() != n) throw new IllegalArgumentException("op '" + spec + "': expected " + usage);
    }
}

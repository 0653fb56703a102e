package org.jtuner.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jtuner.vision.Images;
import org.jtuner.vision.PngWriter;
import org.jtuner.vision.RgbImage;
import org.jtuner.vision.augment.AugmentOp;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jtuner augment IMAGE --op NAME=ARGS ... --output OUT.png}: explicit augmentation ops, in order, to preview them. */
@Command(name = "augment", mixinStandardHelpOptions = true,
        description = "Apply augmentation ops (torchvision's PIL path, exactly) to an image, in the order given.")
final class AugmentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The input image (PNG, JPEG, WebP, BMP, GIF).")
    Path image;

    @Option(names = "--op", paramLabel = "NAME=ARGS", required = true,
            description = "resized_crop=top,left,height,width,size | brightness=F | contrast=F | saturation=F | hue=F | hflip")
    List<String> ops = new ArrayList<>();

    @Option(names = "--output", paramLabel = "OUT.png", required = true, description = "Where to write the result (PNG).")
    Path output;

    @Override
    public Integer call() throws IOException {
        List<AugmentOp> parsed = new ArrayList<>();
        for (String op : ops) {
            try {
                parsed.add(AugmentOp.parse(op));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--op: " + e.getMessage());
            }
        }
        RgbImage in = Images.read(image);
        RgbImage out = AugmentOp.applyAll(parsed, in);
        PngWriter.write(out, output);
        System.out.println("augment: " + image + " (" + in.width() + "x" + in.height() + ") -> " + output + " ("
                + out.width() + "x" + out.height() + ")");
        return 0;
    }
}

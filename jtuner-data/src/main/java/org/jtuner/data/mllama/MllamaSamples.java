package org.jtuner.data.mllama;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jtuner.data.BadSampleException;
import org.jtuner.data.EncodedSample;
import org.jtuner.data.LlavaJsonReader;
import org.jtuner.data.Problem;
import org.jtuner.data.ProblemKind;
import org.jtuner.data.RawSample;
import org.jtuner.vision.ImageReadException;
import org.jtuner.vision.Images;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.vision.mllama.TiledImage;

/**
 * A LLaVA-format file (.json or .jsonl; LLaVA-CoT's files too) encoded for mllama, and its samples' images tiled by
 * the mllama image processor into collator rows.
 */
public final class MllamaSamples {
    private MllamaSamples() {}

    /** The encoded samples of a file, and the problems of those left out or truncated. */
    public record Encoded(List<EncodedSample> samples, List<Problem> problems) {}

    /** Reads and encodes every row of {@code file}; rows with a problem are left out and listed. */
    public static Encoded encodeFile(Path file, MllamaChatEncoder encoder) throws IOException {
        List<EncodedSample> samples = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        LlavaJsonReader.read(file, new LlavaJsonReader.Sink() {
            @Override
            public void sample(RawSample sample) {
                MllamaChatEncoder.Result r = encoder.encode(sample);
                if (r.kept()) samples.add(r.sample());
                if (r.problem() != null) problems.add(r.problem());
            }

            @Override
            public void problem(Problem problem) {
                problems.add(problem);
            }
        });
        return new Encoded(List.copyOf(samples), List.copyOf(problems));
    }

    /**
     * The collator row of a sample: its images read and tiled in order.
     *
     * @throws BadSampleException naming the sample and the image when one is missing or unreadable
     */
    public static MllamaCollator.Row row(EncodedSample sample, MllamaImageProcessor processor) {
        List<TiledImage> images = new ArrayList<>(sample.images().size());
        for (Path image : sample.images()) {
            if (!Files.isRegularFile(image)) {
                throw new BadSampleException(new Problem(ProblemKind.MISSING_IMAGE, sample.source(),
                        image + (Files.exists(image) ? " is not a file" : " does not exist")));
            }
            try {
                images.add(processor.preprocess(Images.read(image)));
            } catch (ImageReadException e) {
                throw new BadSampleException(new Problem(ProblemKind.UNREADABLE_IMAGE, sample.source(), e.getMessage()));
            }
        }
        return new MllamaCollator.Row(sample, images);
    }
}

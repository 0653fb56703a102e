package org.jtuner.data.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

import org.jtuner.data.BadSampleException;
import org.jtuner.data.ClipImageLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.DatasetReport;
import org.jtuner.data.ImageLoader;
import org.jtuner.data.LlavaData;
import org.jtuner.data.LlavaDataset;
import org.jtuner.data.mllama.MllamaData;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.data.OnBadSample;
import org.jtuner.data.Problem;
import org.jtuner.data.ProblemKind;
import org.jtuner.text.tokenizer.Tokenizer;

/**
 * {@code jtuner check-dataset CONFIG}: reads every row of the data files, encodes it as training would, and decodes
 * every image; prints the counts (rows, samples, images, text-only and multi-image samples, tokens, truncated,
 * dropped) and, per kind of problem, how many and the first offenders by file, line and id.
 *
 * <p>Exit status: 0 when nothing is wrong, 1 when any problem was found (over-long samples count unless
 * {@link Options#allowTruncation}), 2 when the config, the tokenizer, the image processor or a data file cannot be
 * read at all.
 */
public final class CheckDataset {
    /**
     * @param maxOffenders    offenders listed per kind of problem
     * @param decodeImages    decode every image (else only check that the files exist)
     * @param allowTruncation do not count samples truncated to max_length (kept, as XTuner keeps them) as problems
     */
    public record Options(int maxOffenders, boolean decodeImages, boolean allowTruncation) {
        public static final Options DEFAULT = new Options(5, true, false);

        public Options {
            if (maxOffenders < 0) throw new IllegalArgumentException("maxOffenders must be >= 0, got " + maxOffenders);
        }
    }

    private CheckDataset() {}

    public static int run(DataConfig config, Options options, PrintStream out) {
        Tokenizer tokenizer;
        ImageLoader images;
        try {
            tokenizer = Tokenizer.load(config.tokenizer());
        } catch (IOException | RuntimeException e) {
            out.println("error: cannot load the tokenizer " + config.tokenizer() + ": " + e.getMessage());
            return 2;
        }
        try {
            images = MllamaData.isMllama(config)
                    ? MllamaData.verifier(new MllamaImageProcessor(MllamaData.processorConfig(config.imageProcessor())))
                    : ClipImageLoader.fromConfig(config);
        } catch (IOException | RuntimeException e) {
            out.println("error: cannot load the image processor " + config.imageProcessor() + ": " + e.getMessage());
            return 2;
        }
        return run(config, tokenizer, images, options, out);
    }

    /** As {@link #run(DataConfig, Options, PrintStream)} with the tokenizer and image pipeline given. */
    public static int run(DataConfig config, Tokenizer tokenizer, ImageLoader images, Options options, PrintStream out) {
        LlavaDataset dataset;
        try {
            DataConfig skip = config.withOnBadSample(OnBadSample.SKIP);
            LlavaDataset.Builder b = MllamaData.isMllama(config)
                    ? MllamaData.datasetBuilder(skip, MllamaData.rowEncoder(skip, tokenizer), line -> {})
                    : LlavaData.parts(skip, tokenizer, images).datasetBuilder(line -> {});
            b.verifyImages(options.decodeImages() ? images : null);
            dataset = b.build();
        } catch (IOException | BadSampleException | IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return 2;
        }
        DatasetReport r = dataset.report();
        out.println("check-dataset: " + String.join(", ", config.files().stream().map(Object::toString).toList()));
        out.println("  template " + config.template() + ", max_length " + config.maxLength() + ", "
                + (MllamaData.isMllama(config) ? 1 : config.imageSeqLength()) + " tokens per image" + (options.decodeImages() ? ", images decoded" : ", images checked for existence only"));
        out.printf("  rows:        %d%n", r.rows());
        out.printf("  samples:     %d (%d with images, %d of them multi-image; %d text-only)%n", r.kept(), r.withImages(), r.multiImage(), r.textOnly());
        out.printf("  images:      %d%n", r.images());
        out.printf("  tokens:      %d (%d trained)%n", r.tokens(), r.trainedTokens());
        out.printf("  truncated:   %d%n", r.truncated());
        out.printf("  dropped:     %d%n", r.dropped());
        if (config.cotStages()) {
            CotStageStats stats = new CotStageStats(tokenizer);
            for (int i = 0; i < dataset.size(); i++) stats.add(dataset.get(i));
            stats.print(out);
        }
        long problems = 0;
        boolean header = false;
        for (ProblemKind kind : ProblemKind.values()) {
            int n = r.count(kind);
            if (n == 0 || kind == ProblemKind.TRUNCATED && options.allowTruncation()) continue;
            if (!header) {
                out.println("problems:");
                header = true;
            }
            problems += n;
            out.printf("  %s: %d%n", kind.description(), n);
            List<Problem> first = r.problems(kind);
            for (int i = 0; i < Math.min(options.maxOffenders(), first.size()); i++) {
                Problem p = first.get(i);
                out.println("    " + p.source() + ": " + p.message());
            }
            if (n > options.maxOffenders()) out.println("    ... and " + (n - Math.min(options.maxOffenders(), first.size())) + " more");
        }
        if (problems == 0) {
            out.println("OK: no problems found");
            return 0;
        }
        out.println("FAILED: " + problems + (problems == 1 ? " problem" : " problems"));
        return 1;
    }
}

package org.jtuner.data.tools;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Objects;

import org.jtuner.data.BadSampleException;
import org.jtuner.data.DataConfig;
import org.jtuner.data.EncodedSample;
import org.jtuner.data.ImageLoader;
import org.jtuner.data.LlavaData;
import org.jtuner.data.LlavaDataset;
import org.jtuner.data.mllama.MllamaData;
import org.jtuner.data.OnBadSample;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.vision.ImageReadException;

/**
 * {@code jtuner log-dataset CONFIG [--show text|masked_text|input_ids|labels|all] [-n N]}: the first samples as the
 * model will see them (XTuner's {@code log_dataset}): the decoded text with {@code <image>} where each image's
 * tokens go, the text with the positions that take no loss marked {@code [-100 xN]}, the input ids and the labels.
 * Only as many rows are read as it takes to find N samples; rows left out on the way are listed.
 *
 * <p>Exit status: 0 when the samples were shown, 1 when the files hold no usable sample, 2 when the config, the
 * tokenizer or a data file cannot be read.
 */
public final class LogDataset {
    public enum Show { TEXT, MASKED_TEXT, INPUT_IDS, LABELS, ALL }

    /** @param count how many samples to show, from the first */
    public record Options(Show show, int count) {
        public static final Options DEFAULT = new Options(Show.TEXT, 1);

        public Options {
            Objects.requireNonNull(show, "show");
            if (count < 1) throw new IllegalArgumentException("-n must be at least 1, got " + count);
        }
    }

    private LogDataset() {}

    public static int run(DataConfig config, Options options, PrintStream out) {
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizer.load(config.tokenizer());
        } catch (IOException | RuntimeException e) {
            out.println("error: cannot load the tokenizer " + config.tokenizer() + ": " + e.getMessage());
            return 2;
        }
        return run(config, tokenizer, options, out);
    }

    /** As {@link #run(DataConfig, Options, PrintStream)} with the tokenizer given. */
    public static int run(DataConfig config, Tokenizer tokenizer, Options options, PrintStream out) {
        ImageLoader noImages = path -> {
            throw new ImageReadException(path.toString(), ImageReadException.Reason.UNSUPPORTED, "log-dataset decodes no images", null);
        };
        LlavaDataset dataset;
        try {
            DataConfig skip = config.withOnBadSample(OnBadSample.SKIP);
            java.util.function.Consumer<String> log = line -> { if (line.startsWith("skipped")) out.println(line); };
            LlavaDataset.Builder b = MllamaData.isMllama(config)
                    ? MllamaData.datasetBuilder(skip, MllamaData.rowEncoder(skip, tokenizer), log)
                    : LlavaData.parts(skip, tokenizer, noImages).datasetBuilder(log);
            dataset = b.verifyImages(null).limit(options.count()).build();
        } catch (IOException | BadSampleException | IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return 2;
        }
        if (dataset.size() == 0) {
            out.println("no usable sample in " + config.files());
            return 1;
        }
        if (config.cotStages()) {
            CotStageStats stats = new CotStageStats(tokenizer);
            for (int i = 0; i < dataset.size(); i++) stats.add(dataset.get(i));
            out.println("the " + dataset.size() + " samples read:");
            stats.print(out);
        }
        Show show = options.show();
        for (int i = 0; i < Math.min(options.count(), dataset.size()); i++) {
            EncodedSample s = dataset.get(i);
            out.println("sample " + i + ": " + s.source() + ", " + s.images().size() + (s.images().size() == 1 ? " image, " : " images, ")
                    + s.length() + " tokens (" + s.trainedTokens() + " trained)" + (s.truncated() ? ", truncated to max_length" : ""));
            if (show == Show.TEXT || show == Show.ALL) {
                out.println(header("text"));
                out.println(SampleRendering.text(s, dataset.imageSeqLength(), tokenizer));
            }
            if (show == Show.MASKED_TEXT || show == Show.ALL) {
                out.println(header("text(masked)"));
                out.println(SampleRendering.maskedText(s, tokenizer));
            }
            if (show == Show.INPUT_IDS || show == Show.ALL) {
                out.println(header("input_ids"));
                out.println(SampleRendering.inputIds(s, dataset.imageSeqLength()));
            }
            if (show == Show.LABELS || show == Show.ALL) {
                out.println(header("labels"));
                out.println(SampleRendering.labels(s));
            }
        }
        return 0;
    }

    static String header(String what) {
        return "#".repeat(20) + "   " + what + "   " + "#".repeat(20);
    }
}

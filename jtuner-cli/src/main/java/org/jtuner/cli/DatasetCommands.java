package org.jtuner.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jtuner.data.DataConfig;
import org.jtuner.data.tools.AugmentPreview;
import org.jtuner.data.tools.CheckDataset;
import org.jtuner.data.tools.LogDataset;
import org.jtuner.train.TrainRun;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The dataset tools, reading the data section of a run config (as XTuner's log-dataset and check-dataset). */
final class DatasetCommands {
    private DatasetCommands() {}

    /** The data part of a run config, with the same defaults and overrides as `train`. */
    static DataConfig dataConfig(String config, List<String> overrides) {
        return DataConfig.fromYamlSection(TrainRun.resolve(config, overrides).get("data"));
    }

    @Command(name = "log-dataset", mixinStandardHelpOptions = true,
            description = "Show the first samples as the model will see them (<image> restored, masked spans visible).")
    static final class Log implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CONFIG", description = "A run config (file or built-in name).")
        String config;

        @Option(names = "--show", description = "text, masked_text, input_ids, labels or all (default: ${DEFAULT-VALUE}).")
        String show = "text";

        @Option(names = "-n", description = "How many samples (default: ${DEFAULT-VALUE}).")
        int count = 1;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--augment", paramLabel = "N", description = "Write the first N images as data.augment changes them (PNGs) instead.")
        Integer augment;

        @Option(names = "--augment-dir", paramLabel = "DIR", description = "Where --augment writes (default: ${DEFAULT-VALUE}).")
        java.nio.file.Path augmentDir = java.nio.file.Path.of("work_dirs", "augment_preview");

        @Override
        public Integer call() throws java.io.IOException {
            if (augment != null) {
                var tree = TrainRun.resolve(config, overrides);
                DataConfig data = DataConfig.fromYamlSection(tree.get("data"));
                // the run's seed (train.seed, 42 by default), so the previews are the images epoch 0 trains on
                long seed = tree.path("train").path("seed").asLong(42);
                return AugmentPreview.run(data, org.jtuner.text.tokenizer.Tokenizer.load(data.tokenizer()), augment, seed, augmentDir, System.out);
            }
            LogDataset.Show s = LogDataset.Show.valueOf(show.toUpperCase(java.util.Locale.ROOT));
            return LogDataset.run(dataConfig(config, overrides), new LogDataset.Options(s, count), System.out);
        }
    }

    @Command(name = "check-dataset", mixinStandardHelpOptions = true,
            description = "Read every sample and report counts and problems (exit status 1 when anything is wrong).")
    static final class Check implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CONFIG", description = "A run config (file or built-in name).")
        String config;

        @Option(names = "--max-offenders", description = "Offenders listed per kind of problem (default: ${DEFAULT-VALUE}).")
        int maxOffenders = 5;

        @Option(names = "--no-decode", description = "Check that images exist without decoding them.")
        boolean noDecode;

        @Option(names = "--allow-truncation", description = "Do not count truncated samples as problems.")
        boolean allowTruncation;

        @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key.")
        List<String> overrides = new ArrayList<>();

        @Override
        public Integer call() {
            return CheckDataset.run(dataConfig(config, overrides),
                    new CheckDataset.Options(maxOffenders, !noDecode, allowTruncation), System.out);
        }
    }
}

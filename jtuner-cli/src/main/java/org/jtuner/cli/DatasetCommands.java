package org.jtuner.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jtuner.data.DataConfig;
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

        @Override
        public Integer call() {
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

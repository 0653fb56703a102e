package org.jtuner.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jtuner.train.TrainRun;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jtuner train CONFIG}: trains as the config says, into a work directory. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train from a YAML config (a file or a built-in name, see list-cfg).")
final class TrainCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "CONFIG", description = "A YAML run config, or the name of a built-in one.")
    String config;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where checkpoints, metrics and loss.png go (default: work_dirs/<config name>).")
    Path workDir;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key, e.g. --set optim.lr=2e-5.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--resume", paramLabel = "CKPT", arity = "0..1", fallbackValue = "latest",
            description = "Continue a run: from the newest checkpoint of the work dir, or from CKPT.")
    String resume;

    @Override
    public Integer call() {
        var tree = TrainRun.resolve(config, overrides);
        Path dir = workDir != null ? workDir : Path.of("work_dirs", tree.get("name").asText());
        TrainRun.Result r = TrainRun.run(tree, dir, resume, System.out);
        if (r.alreadyFinished()) {
            System.out.println("train: the run in " + dir + " has already finished (" + r.finalCheckpoint()
                    + " is its last checkpoint); nothing to resume. Start a new run with another --work-dir.");
            return 0;
        }
        System.out.println("train: done; final checkpoint " + r.finalCheckpoint() + ", last loss " + r.lastLoss());
        return 0;
    }
}

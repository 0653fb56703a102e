package org.jtuner.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.jtuner.train.TrainRun;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jtuner train CONFIG}: trains as the config says, into a work directory. Under {@code mpirun} each process
 * is one rank of a data-parallel run; {@code --nproc N} starts that mpirun on this machine.
 */
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

    @Option(names = "--nproc", paramLabel = "N",
            description = "Data parallel on this machine: N ranks under mpirun (mpirun -np N jtuner train ...).")
    Integer nproc;

    @CommandLine.ParentCommand
    Main parent;

    @Override
    public Integer call() {
        if (nproc != null) {
            if (nproc < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--nproc must be at least 1, got " + nproc);
            if (LocalMpirun.insideMpirun()) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--nproc starts mpirun itself; under mpirun the ranks come from its -np (drop --nproc)");
            }
            if (nproc > 1) return LocalMpirun.run(nproc, rankArguments());
        }
        var tree = TrainRun.resolve(config, overrides);
        Path dir = workDir != null ? workDir : Path.of("work_dirs", tree.get("name").asText());
        TrainRun.Result r = TrainRun.runAsLaunched(tree, dir, resume, System.out);
        if (r.rank() != 0) return 0;
        if (r.alreadyFinished()) {
            System.out.println("train: the run in " + dir + " has already finished (" + r.finalCheckpoint()
                    + " is its last checkpoint); nothing to resume. Start a new run with another --work-dir.");
            return 0;
        }
        System.out.println("train: done; final checkpoint " + r.finalCheckpoint() + ", last loss " + r.lastLoss());
        return 0;
    }

    /** This command without --nproc: what each rank runs. */
    private List<String> rankArguments() {
        List<String> args = new ArrayList<>();
        if (parent != null && parent.debug) args.add("--debug");
        args.addAll(List.of("train", config));
        if (workDir != null) args.addAll(List.of("--work-dir", workDir.toString()));
        for (String o : overrides) args.addAll(List.of("--set", o));
        if (resume != null) args.addAll(List.of("--resume", resume));
        return args;
    }
}

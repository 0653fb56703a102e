package org.jtuner.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.jtuner.train.convert.PickleToSafetensors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jtuner convert}: checkpoints from one layout or format into another. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert checkpoints between formats and layouts.",
        subcommands = {ConvertCommand.ToSafetensors.class})
final class ConvertCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name what to convert to (to-safetensors)");
    }

    @Command(name = "to-safetensors", mixinStandardHelpOptions = true,
            description = {"Rewrite a folder's PyTorch pickles (pytorch_model*.bin and its index, adapter_model.bin) as "
                    + "safetensors (model*.safetensors and its index, adapter_model.safetensors).",
                    "The pickles are read without running code and kept; delete them once the folder loads."})
    static final class ToSafetensors implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "A model or adapter folder.")
        Path dir;

        @Override
        public Integer call() throws Exception {
            List<Path> written = PickleToSafetensors.convert(dir);
            for (Path p : written) System.out.println("convert: wrote " + p);
            return 0;
        }
    }
}

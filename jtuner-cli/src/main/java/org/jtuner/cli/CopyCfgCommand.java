package org.jtuner.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.jtuner.train.config.ConfigFiles;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Copies a built-in config into a folder to edit, as {@code xtuner copy-cfg} does. */
@Command(name = "copy-cfg", mixinStandardHelpOptions = true, description = "Copy a built-in config to a folder.")
final class CopyCfgCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "A built-in config (see list-cfg).")
    String name;

    @Parameters(index = "1", paramLabel = "DIR", description = "Where to write NAME.yaml.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        String text = ConfigFiles.builtinText(name);
        if (text == null) {
            System.err.println("copy-cfg: no built-in config '" + name + "'; see `jtuner list-cfg`");
            return 2;
        }
        Files.createDirectories(dir);
        Path out = dir.resolve(name + ".yaml");
        // The copy extends by built-in name, so it still works outside the jar's folder.
        Files.writeString(out, text);
        System.out.println("copied " + name + " to " + out);
        return 0;
    }
}

package org.jtuner.cli;

import java.util.concurrent.Callable;
import java.util.regex.Pattern;

import org.jtuner.train.config.ConfigFiles;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Lists the built-in configs, as {@code xtuner list-cfg} does. */
@Command(name = "list-cfg", mixinStandardHelpOptions = true, description = "List the built-in configs.")
final class ListCfgCommand implements Callable<Integer> {
    @Option(names = {"-p", "--pattern"}, paramLabel = "PATTERN",
            description = "Only names containing this (case-insensitive regular expression).")
    String pattern;

    @Override
    public Integer call() {
        Pattern p = pattern == null ? null : Pattern.compile(pattern, Pattern.CASE_INSENSITIVE);
        ConfigFiles.builtinNames().stream().filter(n -> p == null || p.matcher(n).find()).forEach(System.out::println);
        return 0;
    }
}

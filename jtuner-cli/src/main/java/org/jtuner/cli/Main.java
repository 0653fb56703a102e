package org.jtuner.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code jtuner} command: one subcommand per task, as XTuner's command line has them. */
@Command(name = "jtuner",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Train and fine-tune LLaVA-style vision-language models on the JVM.",
        subcommands = {CommandLine.HelpCommand.class, DemoCommand.class, TrainCommand.class, ForwardCommand.class, DatasetCommands.Log.class, DatasetCommands.Check.class, ListCfgCommand.class, CopyCfgCommand.class, TokenizeCommand.class, MergeCommand.class, ConvertCommand.class, AugmentCommand.class, ChatCommand.class, EvalCommand.class, ServeCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print the stack trace of an error too (also JTUNER_DEBUG=1).")
    boolean debug;

    static CommandLine commandLine() {
        return commandLine(CliErrors.debugEnvironment());
    }

    /** The command line with the central error handling of {@link CliErrors}. */
    static CommandLine commandLine(boolean debugFromEnvironment) {
        CliErrors errors = new CliErrors(debugFromEnvironment);
        return new CommandLine(new Main()).setExecutionExceptionHandler(errors).setParameterExceptionHandler(errors);
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jtuner " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}

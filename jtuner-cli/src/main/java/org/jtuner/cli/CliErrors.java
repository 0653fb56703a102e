package org.jtuner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

import org.jtuner.data.BadSampleException;
import org.jtuner.text.template.ChatTemplateException;
import org.jtuner.text.tokenizer.util.TokenizerSpecException;
import org.jtuner.train.Trainer;

import picocli.CommandLine;

/**
 * How every command reports failure, in one place so that each new subcommand gets it: an expected error (bad
 * input or configuration, a file that cannot be read) is one line {@code jtuner <command>: <message>} and exit 1;
 * bad usage is one line plus a pointer to {@code --help}, exit 2; anything else is a bug, reported as such with its
 * stack trace, exit 70. The trace of an expected error appears only with {@code --debug} or {@code JTUNER_DEBUG=1}.
 */
final class CliErrors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final int BAD_INPUT = 1;
    static final int USAGE = 2;
    static final int BUG = 70; // EX_SOFTWARE of sysexits.h
    static final String REPORT_TO = "https://github.com/jtuner/jtuner/issues";

    private final boolean debugFromEnvironment;

    CliErrors(boolean debugFromEnvironment) {
        this.debugFromEnvironment = debugFromEnvironment;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean debug = debugFromEnvironment || debugRequested(parsed);
        String command = commandPath(cmd);
        if (isExpected(e)) {
            err.println(command + ": " + message(e));
            if (debug) e.printStackTrace(err);
            err.flush();
            return BAD_INPUT;
        }
        err.println(command + ": internal error (a bug in jtuner): " + e);
        err.println("Please report it at " + REPORT_TO + " with the command line and the trace below.");
        e.printStackTrace(err);
        err.flush();
        return BUG;
    }

    @Override
    public int handleParseException(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(commandPath(cmd) + ": " + e.getMessage() + " (see '" + commandPath(cmd) + " --help')");
        if (debugFromEnvironment) e.printStackTrace(err);
        err.flush();
        return USAGE;
    }

    /** Errors a user can act on: bad input, bad configuration, unreadable files, a run that went non-finite. */
    static boolean isExpected(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof BadSampleException || e instanceof ChatTemplateException
                || e instanceof TokenizerSpecException || e instanceof Trainer.NonFiniteLossException
                || e instanceof CommandLine.ParameterException;
    }

    /** The message, saying what kind of file problem it is where the JDK's message is only a path. */
    static String message(Throwable e) {
        if (e instanceof UncheckedIOException u && u.getCause() != null && (u.getMessage() == null
                || u.getMessage().equals(u.getCause().toString()))) {
            return message(u.getCause());
        }
        String m = e.getMessage();
        if (e instanceof NoSuchFileException) return "no such file or folder: " + m;
        if (e instanceof AccessDeniedException) return "permission denied: " + m;
        if (e instanceof FileAlreadyExistsException) return "already exists: " + m;
        if (e instanceof NotDirectoryException) return "not a folder: " + m;
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        return m.strip();
    }

    private static boolean debugRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) return true;
        }
        return false;
    }

    /** "jtuner train", "jtuner convert to-safetensors". */
    static String commandPath(CommandLine cmd) {
        String path = cmd.getCommandName();
        for (CommandLine c = cmd.getParent(); c != null; c = c.getParent()) path = c.getCommandName() + " " + path;
        return path;
    }

    static boolean debugEnvironment() {
        String v = System.getenv("JTUNER_DEBUG");
        return v != null && !v.isBlank() && !v.equals("0") && !v.equalsIgnoreCase("false");
    }
}

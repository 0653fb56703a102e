package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Errors through the command line: an expected error is one line {@code jtuner <command>: <message>} and exit 1,
 * bad usage exit 2, the stack trace only with --debug (or JTUNER_DEBUG), and a bug says so with its trace.
 */
class CliErrorsTest {
    @TempDir
    Path tmp;

    record Run(int code, String err) {
        long lines() {
            return err.lines().count();
        }

        boolean hasTrace() {
            return err.contains("\tat ");
        }
    }

    static Run run(boolean debugEnv, CommandLine cmd, String... args) {
        StringWriter err = new StringWriter();
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, err.toString());
    }

    static Run run(String... args) {
        return run(false, Main.commandLine(false), args);
    }

    /** A model folder whose weights file is the tiny-llama one, damaged by {@code damage}. */
    private Path damagedModel(String name, java.util.function.UnaryOperator<byte[]> damage) throws Exception {
        Path src = Fixtures.path("tiny-llama");
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
        Files.write(dir.resolve("model.safetensors"), damage.apply(Files.readAllBytes(src.resolve("model.safetensors"))));
        return dir;
    }

    private String[] forward(Path model) {
        return new String[] {"forward", "--model", model.toString(), "--inputs",
                Fixtures.path("tiny-llama", "reference.safetensors").toString(), "--output", tmp.resolve("o.safetensors").toString()};
    }

    @Test
    void aTruncatedSafetensorsFileIsOneLineNamingTheFile() throws Exception {
        Path dir = damagedModel("truncated", b -> Arrays.copyOf(b, b.length / 2));
        Run r = run(forward(dir));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.lines()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("jtuner forward: ").contains(dir.resolve("model.safetensors").toString());
        assertThat(r.hasTrace()).isFalse();
    }

    @Test
    void aLyingHeaderIsOneLineAndDebugAddsTheTrace() throws Exception {
        // The header's length field claims more bytes than the file has.
        Path dir = damagedModel("lying", b -> {
            byte[] c = b.clone();
            ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(0, b.length * 4L);
            return c;
        });
        Run r = run(forward(dir));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.lines()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("jtuner forward: ").contains("model.safetensors");

        String[] withDebug = Arrays.copyOf(forward(dir), forward(dir).length + 1);
        withDebug[withDebug.length - 1] = "--debug";
        Run debug = run(withDebug);
        assertThat(debug.code()).isEqualTo(1);
        assertThat(debug.err()).startsWith("jtuner forward: ");
        assertThat(debug.hasTrace()).isTrue();

        Run env = run(true, Main.commandLine(true), forward(dir));
        assertThat(env.hasTrace()).as("JTUNER_DEBUG=1").isTrue();
    }

    @Test
    void anEvilPickleIsRefusedInOneLine() throws Exception {
        Path dir = tmp.resolve("evil");
        Files.createDirectories(dir);
        Files.copy(Fixtures.path("torch-pickles", "config.json"), dir.resolve("config.json"));
        Files.copy(Fixtures.path("torch-pickles", "evil", "os-system.bin"), dir.resolve("pytorch_model.bin"));
        Run r = run(forward(dir));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.lines()).isEqualTo(1);
        assertThat(r.err()).contains("refused global 'posix.system'").contains("pytorch_model.bin");
    }

    @Test
    void badUsageExitsTwoInOneLine() {
        Run missing = run("train");
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.lines()).isEqualTo(1);
        assertThat(missing.err()).startsWith("jtuner train: ").contains("CONFIG").contains("--help");

        Run unknown = run("forward", "--model", "a", "--inputs", "b", "--output", "c", "--modle", "x");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("jtuner forward: ").contains("--modle");

        Run noSuchCommand = run("frobnicate");
        assertThat(noSuchCommand.code()).isEqualTo(2);
        assertThat(noSuchCommand.err()).startsWith("jtuner: ");
    }

    @Test
    void aMissingConfigFileIsBadInput() {
        Run r = run("train", tmp.resolve("nope.yaml").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.lines()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("jtuner train: ").contains("nope.yaml");
    }

    @Command(name = "boom")
    static final class Boom implements Callable<Integer> {
        @Override
        public Integer call() {
            Object o = null;
            return o.hashCode();
        }
    }

    @Test
    void aBugSaysWhereToReportItAndPrintsItsTrace() {
        CommandLine cmd = Main.commandLine(false);
        cmd.addSubcommand(new Boom());
        Run r = run(false, cmd, "boom");
        assertThat(r.code()).isEqualTo(CliErrors.BUG);
        assertThat(r.err()).startsWith("jtuner boom: internal error (a bug in jtuner)").contains("report it at")
                .contains("NullPointerException");
        assertThat(r.hasTrace()).isTrue();
    }
}

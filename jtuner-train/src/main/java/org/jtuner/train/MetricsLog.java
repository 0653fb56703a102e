package org.jtuner.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@code metrics.jsonl}: one JSON object per logged step, appended and flushed as training goes. */
public final class MetricsLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one step reports. */
    public record Step(long step, double loss, double lr, double gradNorm, double tokensPerSecond, long memoryBytes) {}

    private final BufferedWriter out;
    private final List<Step> steps = new ArrayList<>();

    public MetricsLog(Path file, boolean append) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
            if (append && Files.size(file) > 0) {
                for (String line : Files.readAllLines(file)) {
                    if (line.isBlank()) continue;
                    var n = JSON.readTree(line);
                    if (n.has("loss")) {
                        steps.add(new Step(n.get("step").asLong(), n.get("loss").asDouble(), n.get("lr").asDouble(),
                                n.path("grad_norm").asDouble(), n.path("tokens_per_s").asDouble(), n.path("memory").asLong()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics log " + file + ": " + e.getMessage(), e);
        }
    }

    public void log(Step s) {
        steps.add(s);
        ObjectNode n = JSON.createObjectNode();
        n.put("step", s.step());
        n.put("loss", s.loss());
        n.put("lr", s.lr());
        n.put("grad_norm", s.gradNorm());
        n.put("tokens_per_s", s.tokensPerSecond());
        n.put("memory", s.memoryBytes());
        writeLine(n);
    }

    /** Any other event (evaluation answers, skipped samples, a skipped NaN step). */
    public void event(ObjectNode n) {
        writeLine(n);
    }

    private void writeLine(ObjectNode n) {
        try {
            out.write(JSON.writeValueAsString(n));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Steps logged so far, including those read back from an earlier run that this one resumes. */
    public List<Step> steps() {
        return List.copyOf(steps);
    }

    /** Drops entries after {@code step} (a resumed run repeats them). */
    public void truncateAfter(long step) {
        steps.removeIf(s -> s.step() > step);
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

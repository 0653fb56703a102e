package org.jtuner.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.safetensors.SafetensorsWriter;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.tensor.Tensor;

/**
 * The checkpoints of a work directory: {@code iter_<step>/} folders holding the trainable weights
 * ({@code weights.safetensors}), the optimizer moments ({@code optimizer.safetensors}), the trainer state
 * ({@code state.json}: step, schedule, sampler position, random state) and the resolved config. A checkpoint is
 * written under a temporary name and renamed when complete, so a crash never leaves one that resume would pick.
 */
public final class Checkpoints {
    public static final String WEIGHTS = "weights.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "state.json";
    public static final String CONFIG = "config.yaml";
    private static final Pattern NAME = Pattern.compile("iter_(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public Checkpoints(Path workDir) {
        this.dir = workDir;
    }

    /** The folder of the checkpoint of {@code step}. */
    public Path folder(long step) {
        return dir.resolve("iter_" + step);
    }

    /** Writes a complete checkpoint for {@code step} and keeps only the newest {@code keep} (0 or less: all). */
    public Path save(long step, Map<String, Tensor> weights, Map<String, Tensor> optimizer, ObjectNode state,
                     String configYaml, int keep) {
        Path target = dir.resolve("iter_" + step);
        Path tmp = dir.resolve(".tmp-iter_" + step);
        try {
            Files.createDirectories(dir);
            deleteTree(tmp);
            Files.createDirectories(tmp);
            write(tmp.resolve(WEIGHTS), weights);
            write(tmp.resolve(OPTIMIZER), optimizer);
            Files.writeString(tmp.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
            Files.writeString(tmp.resolve(CONFIG), configYaml);
            deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            prune(keep);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    private static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        List<TensorEntry> entries = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            int[] s = e.getValue().shape();
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) shape[i] = s[i];
            entries.add(TensorEntry.ofFloats(e.getKey(), shape, e.getValue().toFloatArray()));
        }
        SafetensorsWriter.write(file, entries, Map.of("format", "pt"));
    }

    /** Complete checkpoints, oldest first. */
    public List<Path> list() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve(STATE)))
                    .sorted(Comparator.comparingLong(Checkpoints::stepOf)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The newest complete checkpoint, or null. */
    public Path latest() {
        List<Path> all = list();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    public static long stepOf(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(checkpoint + " is not a checkpoint folder (iter_<step>)");
        return Long.parseLong(m.group(1));
    }

    public static ObjectNode readState(Path checkpoint) {
        try {
            return (ObjectNode) JSON.readTree(checkpoint.resolve(STATE).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + checkpoint.resolve(STATE) + ": " + e.getMessage(), e);
        }
    }

    private void prune(int keep) throws IOException {
        if (keep <= 0) return;
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) deleteTree(all.get(i));
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}

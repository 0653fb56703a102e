package org.jtuner.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.Batch;
import org.jtuner.data.SourceRef;

/**
 * {@code logging.sample_ids}: the batches a rank trains, one json line each ({@code iteration}, {@code epoch},
 * {@code step}, the dataset {@code indices} and the samples' {@code ids}), in {@code sample_ids/rank<R>.jsonl} of the
 * work dir. Shows which rank trained which sample; a resumed run appends.
 */
final class SampleIdLog implements BatchSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BatchSource batches;
    private final BufferedWriter out;

    SampleIdLog(BatchSource batches, Path workDir, int rank) {
        this.batches = batches;
        try {
            Path file = workDir.resolve("sample_ids").resolve("rank" + rank + ".jsonl");
            Files.createDirectories(file.getParent());
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("logging.sample_ids: " + e.getMessage(), e);
        }
    }

    @Override
    public long batchesPerEpoch() {
        return batches.batchesPerEpoch();
    }

    @Override
    public Batch batch(long iteration) {
        Batch b = batches.batch(iteration);
        ObjectNode line = JSON.createObjectNode().put("iteration", iteration + 1).put("epoch", b.epoch()).put("step", b.step());
        var indices = line.putArray("indices");
        for (int i : b.sampleIndices()) indices.add(i);
        var ids = line.putArray("ids");
        for (SourceRef s : b.sources()) ids.add(s.id());
        try {
            out.write(JSON.writeValueAsString(line));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("logging.sample_ids: " + e.getMessage(), e);
        }
        return b;
    }

    @Override
    public long skippedSamples() {
        return batches.skippedSamples();
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            batches.close();
        }
    }
}

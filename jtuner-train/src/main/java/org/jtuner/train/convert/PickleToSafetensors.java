package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jtuner.io.TensorFile;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.io.torch.TorchCheckpointFile;

/**
 * {@code jtuner convert to-safetensors DIR}: the folder's PyTorch pickles rewritten as safetensors with the names
 * transformers and PEFT look for ({@code pytorch_model.bin} → {@code model.safetensors},
 * {@code pytorch_model-0000i-of-0000n.bin} + index → {@code model-0000i-of-0000n.safetensors} + index,
 * {@code adapter_model.bin} → {@code adapter_model.safetensors}). Shards stay shards (no larger than the largest pickle shard); tensors keep their dtype.
 */
public final class PickleToSafetensors {
    private PickleToSafetensors() {}

    public static List<Path> convert(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " is not a folder");
        List<Path> written = new ArrayList<>();
        boolean any = false;
        if (Files.isRegularFile(dir.resolve("pytorch_model.bin")) || Files.isRegularFile(dir.resolve("pytorch_model.bin.index.json"))) {
            written.addAll(rewrite(dir, "model", ShardedCheckpoint.open(dir)));
            any = true;
        }
        if (Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
            written.addAll(rewrite(dir, "adapter_model", ShardedCheckpoint.open(dir.resolve("adapter_model.bin"))));
            any = true;
        }
        if (!any) {
            throw new IllegalArgumentException(dir + ": no PyTorch weights to convert (looked for pytorch_model.bin, "
                    + "pytorch_model.bin.index.json, adapter_model.bin)");
        }
        return written;
    }

    /** One safetensors file per pickle shard, in the pickle's tensor order; the index when there are several. */
    private static List<Path> rewrite(Path dir, String prefix, ShardedCheckpoint in) throws IOException {
        try (in) {
            List<Path> out = new ArrayList<>();
            List<TensorFile> files = in.files();
            if (files.size() == 1) {
                out.addAll(ShardedCheckpoint.write(dir, prefix, entries(files.getFirst()), Map.of("format", "pt"),
                        Long.MAX_VALUE));
                return out;
            }
            // Several shards: write each under the shard name save_pretrained gives, then the index over them all.
            List<TensorEntry> all = new ArrayList<>();
            for (TensorFile f : files) all.addAll(entries(f));
            long largest = 0;
            for (TensorFile f : files) {
                long size = 0;
                for (TensorEntry e : entries(f)) size += e.byteSize();
                largest = Math.max(largest, size);
            }
            // Shards no larger than the largest pickle shard, tensors in the pickles' order.
            out.addAll(ShardedCheckpoint.write(dir, prefix, all, Map.of("format", "pt"), largest));
            return out;
        }
    }

    private static List<TensorEntry> entries(TensorFile f) {
        List<String> names = f instanceof TorchCheckpointFile t ? t.namesInFileOrder() : f.names();
        List<TensorEntry> out = new ArrayList<>();
        for (String n : names) out.add(TensorEntry.of(n, f.info(n).dtype(), f.info(n).shape(), f.data(n)));
        return out;
    }
}

package org.jtuner.models;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorInfo;

/**
 * Named tensors to load from: a checkpoint as it is on disk, or a view of one with some tensors re-laid out
 * (InternLM2's packed {@code wqkv} split into q, k and v, for instance).
 */
public interface WeightSource {
    /** Where the weights come from, for messages. */
    Path location();

    /** Every tensor name, sorted. */
    List<String> names();

    boolean contains(String name);

    /** The tensor's dtype (as a safetensors name: "F32", "BF16", ...) and shape. */
    TensorInfo info(String name);

    /** The tensor's little-endian bytes. */
    MemorySegment data(String name);

    /** The checkpoint itself. */
    static WeightSource of(ShardedCheckpoint checkpoint) {
        return new WeightSource() {
            public Path location() { return checkpoint.directory(); }
            public List<String> names() { return checkpoint.names(); }
            public boolean contains(String name) { return checkpoint.contains(name); }
            public TensorInfo info(String name) { return checkpoint.info(name); }
            public MemorySegment data(String name) { return checkpoint.data(name); }
        };
    }
}

package org.jtuner.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jtuner.io.safetensors.TensorInfo;

/**
 * One file of named tensors, whatever its format (safetensors, or a PyTorch pickle read by the restricted
 * unpickler): names, dtypes and shapes, and each tensor's data as contiguous little-endian bytes, valid until
 * {@link #close()}.
 */
public interface TensorFile extends AutoCloseable {
    Path path();

    /** Tensor names, sorted. */
    List<String> names();

    boolean contains(String name);

    TensorInfo info(String name);

    /** The tensor's row-major little-endian bytes (zero-copy where the file lays them out so). */
    MemorySegment data(String name);

    /** String metadata the file carries (safetensors' {@code __metadata__}); empty when none. */
    default Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    void close();
}

package org.jtuner.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A block of native memory owned by one backend. Tensors share a storage (views); the storage goes back to its
 * backend when the last tensor that uses it is closed. After that every access is an {@link IllegalStateException}.
 */
public final class Storage {
    private final Backend backend;
    private final long bytes;
    private MemorySegment segment;
    private int references;

    Storage(Backend backend, MemorySegment segment, long bytes) {
        this.backend = backend;
        this.segment = segment;
        this.bytes = bytes;
    }

    public Backend backend() {
        return backend;
    }

    public long bytes() {
        return bytes;
    }

    public boolean isFreed() {
        return segment == null;
    }

    /** The memory (on the CPU: host memory; on a GPU: a segment whose address is the device pointer). */
    public MemorySegment segment() {
        MemorySegment s = segment;
        if (s == null) throw new IllegalStateException("tensor storage was freed (its scope closed or it was closed)");
        return s;
    }

    void retain() {
        if (segment == null) throw new IllegalStateException("tensor storage was freed (its scope closed or it was closed)");
        references++;
    }

    void release() {
        if (segment == null) return;
        if (--references == 0) {
            backend.free(segment, bytes);
            segment = null;
        }
    }
}

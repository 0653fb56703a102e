package org.jtuner.tensor.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Native host memory for tensors: 64-byte aligned blocks from libc, kept in a cache by size after they are freed,
 * so that a training loop that allocates the same shapes every step reuses its blocks (as PyTorch's caching
 * allocator does) instead of paying for fresh, page-faulting memory. The cache is bounded.
 */
final class CpuMemory {
    private static final long ALIGN = 64;
    private static final long MAX_CACHED = Long.getLong("jtuner.cpu.cacheBytes", 8L << 30);
    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        ALIGNED_ALLOC = linker.downcallHandle(libc.find("aligned_alloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(libc.find("free").orElseThrow(), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    private final Map<Long, ArrayDeque<MemorySegment>> cache = new HashMap<>();
    private long cachedBytes;
    private long liveBytes;
    private long peakBytes;

    /** Blocks are rounded up so that nearby sizes share cache entries. */
    static long roundUp(long bytes) {
        long unit = bytes <= 4096 ? ALIGN : bytes <= (1 << 20) ? 4096 : 65536;
        return (bytes + unit - 1) / unit * unit;
    }

    synchronized MemorySegment allocate(long bytes) {
        long size = roundUp(Math.max(bytes, 1));
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes);
        ArrayDeque<MemorySegment> free = cache.get(size);
        if (free != null && !free.isEmpty()) {
            cachedBytes -= size;
            return free.pop();
        }
        return allocateNative(size);
    }

    synchronized void free(MemorySegment segment, long bytes) {
        long size = roundUp(Math.max(bytes, 1));
        liveBytes -= size;
        if (cachedBytes + size > MAX_CACHED) {
            emptyCache();
            if (size > MAX_CACHED) {
                freeNative(segment);
                return;
            }
        }
        cache.computeIfAbsent(size, s -> new ArrayDeque<>()).push(segment);
        cachedBytes += size;
    }

    synchronized long liveBytes() {
        return liveBytes;
    }

    /** The most bytes live at once since the last {@link #resetPeak}. */
    synchronized long peakBytes() {
        return peakBytes;
    }

    synchronized void resetPeak() {
        peakBytes = liveBytes;
    }

    synchronized long cachedBytes() {
        return cachedBytes;
    }

    /** Returns every cached block to libc. */
    synchronized void emptyCache() {
        for (ArrayDeque<MemorySegment> q : cache.values()) {
            for (MemorySegment s : q) freeNative(s);
        }
        cache.clear();
        cachedBytes = 0;
    }

    private MemorySegment allocateNative(long size) {
        try {
            MemorySegment p = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGN, size);
            if (p.address() == 0) {
                emptyCache();
                p = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGN, size);
                if (p.address() == 0) {
                    throw new OutOfMemoryError("native allocation of " + size + " bytes failed (live: " + liveBytes + ")");
                }
            }
            return p.reinterpret(size);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void freeNative(MemorySegment s) {
        try {
            FREE.invokeExact(s);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}

package org.jtuner.tensor.dist;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** World size 1: sums are the values themselves, a gather or scatter is a copy. */
final class SingleProcessGroup implements ProcessGroup {
    static final SingleProcessGroup INSTANCE = new SingleProcessGroup();

    private SingleProcessGroup() {}

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public void allReduceSum(MemorySegment floats, long count) {}

    @Override
    public void allReduce(double[] values, Op op) {}

    @Override
    public void reduceScatterSum(MemorySegment in, MemorySegment out, long countPerRank) {
        MemorySegment.copy(in, 0, out, 0, countPerRank * ValueLayout.JAVA_FLOAT.byteSize());
    }

    @Override
    public void allGather(MemorySegment in, MemorySegment out, long countPerRank) {
        MemorySegment.copy(in, 0, out, 0, countPerRank * ValueLayout.JAVA_FLOAT.byteSize());
    }

    @Override
    public void broadcast(MemorySegment bytes, int root) {}

    @Override
    public void barrier() {}

    @Override
    public void abort(int code) {
        throw new IllegalStateException("abort(" + code + ") in a single-process run");
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
        return "single process";
    }
}

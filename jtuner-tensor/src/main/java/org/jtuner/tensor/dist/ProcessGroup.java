package org.jtuner.tensor.dist;

import java.lang.foreign.MemorySegment;

/**
 * The ranks of a data-parallel job and the collectives between them. Every rank calls the same collectives in the
 * same order with the same counts (MPI's rule); buffers are native memory (a tensor's {@link MemorySegment}) or
 * small Java arrays for scalars. One process without a launcher is {@link #single()}: world 1, every collective
 * a no-op or a copy, nothing native loaded.
 *
 * <p>Implementations: {@link MpiProcessGroup} (Open MPI through FFM) for CPU tensors. NCCL for CUDA tensors plugs
 * in behind the same interface, bootstrapped as Horovod does: rank 0 calls {@code ncclGetUniqueId}, the 128-byte id
 * goes to every rank with {@link #broadcast} over the MPI group, and each rank calls
 * {@code ncclCommInitRank(comm, size(), id, rank())}; MPI then stays for scalars, barriers and abort.
 */
public interface ProcessGroup extends AutoCloseable {
    /** The reduction of {@link #allReduce(double[], Op)}. */
    enum Op { SUM, MAX, MIN }

    /** This process's rank, {@code 0..size()-1}. */
    int rank();

    /** The number of ranks (the world size). */
    int size();

    /** Rank 0: the one that writes metrics, plots, evaluation answers and checkpoints. */
    default boolean isMain() {
        return rank() == 0;
    }

    /** Sums {@code count} F32 values across ranks, in place (the result on every rank). */
    void allReduceSum(MemorySegment floats, long count);

    /** Reduces small double arrays in place, element by element (losses, token counts, flags). */
    void allReduce(double[] values, Op op);

    /**
     * Sums {@code size() x countPerRank} F32 values of {@code in} across ranks and leaves block {@code rank()} of the
     * sum ({@code countPerRank} values) in {@code out}.
     */
    void reduceScatterSum(MemorySegment in, MemorySegment out, long countPerRank);

    /** Concatenates every rank's {@code countPerRank} F32 values of {@code in} into {@code out}, rank order. */
    void allGather(MemorySegment in, MemorySegment out, long countPerRank);

    /** Copies {@code bytes} of rank {@code root} to every rank. */
    void broadcast(MemorySegment bytes, int root);

    /** Returns when every rank has called it. */
    void barrier();

    /** Ends the whole job with {@code code} (every rank, not only this one). Does not return in a real group. */
    void abort(int code);

    @Override
    void close();

    /** The group of one process. */
    static ProcessGroup single() {
        return SingleProcessGroup.INSTANCE;
    }

    /**
     * The group this process was launched into: MPI when {@code mpirun} started it (Open MPI sets
     * {@code OMPI_COMM_WORLD_SIZE}), else {@link #single()}.
     */
    static ProcessGroup fromEnvironment() {
        return launchedByMpirun() ? MpiProcessGroup.init() : single();
    }

    /** Whether Open MPI's launcher started this process. */
    static boolean launchedByMpirun() {
        return System.getenv("OMPI_COMM_WORLD_SIZE") != null;
    }
}

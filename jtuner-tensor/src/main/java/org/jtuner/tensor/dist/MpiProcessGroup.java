package org.jtuner.tensor.dist;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Open MPI's {@code MPI_COMM_WORLD} through FFM: {@code libmpi.so.40} (or the file {@code JTUNER_MPI_LIB} names) is
 * found at run time, nothing is compiled against it. Open MPI's handles ({@code MPI_COMM_WORLD}, {@code MPI_FLOAT},
 * {@code MPI_SUM}, ...) are addresses of link-time objects ({@code ompi_mpi_comm_world}, {@code ompi_mpi_float},
 * {@code ompi_mpi_op_sum}), so they are looked up as symbols; this ties the class to Open MPI's ABI (MPICH's handles
 * are integers). Collectives are called from one thread at a time ({@code MPI_THREAD_SERIALIZED}); errors keep MPI's
 * default handler, which aborts the job. Counts above 2^30 are sent in chunks (MPI counts are C ints). A collective
 * that waits too long ends the rank ({@link CollectiveWatchdog}); {@link RankGuard} turns a failure into MPI_Abort.
 */
public final class MpiProcessGroup implements ProcessGroup {
    /** The environment variable that names libmpi when it is not {@code libmpi.so.40} on the loader's path. */
    public static final String LIBRARY_ENV = "JTUNER_MPI_LIB";
    private static final String INSTALL_HINT = "install Open MPI (apt-get install openmpi-bin libopenmpi-dev) "
            + "or set " + LIBRARY_ENV + " to the path of libmpi.so.40";
    private static final int MPI_THREAD_SERIALIZED = 2;
    private static final MemorySegment MPI_IN_PLACE = MemorySegment.ofAddress(1);
    private static final int CHUNK = 1 << 30;
    private static MpiProcessGroup instance;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment comm, mpiFloat, mpiDouble, mpiByte, opSum, opMax, opMin;
    private final MethodHandle allreduce, reduceScatterBlock, allgather, bcast, barrier, abort, finalizeFn;
    private final int rank, size;
    private final CollectiveWatchdog watchdog;
    private boolean closed;

    private MpiProcessGroup(SymbolLookup lib) {
        comm = symbol(lib, "ompi_mpi_comm_world");
        mpiFloat = symbol(lib, "ompi_mpi_float");
        mpiDouble = symbol(lib, "ompi_mpi_double");
        mpiByte = symbol(lib, "ompi_mpi_byte");
        opSum = symbol(lib, "ompi_mpi_op_sum");
        opMax = symbol(lib, "ompi_mpi_op_max");
        opMin = symbol(lib, "ompi_mpi_op_min");
        MethodHandle initThread = fn(lib, "MPI_Init_thread", ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        MethodHandle commRank = fn(lib, "MPI_Comm_rank", ADDRESS, ADDRESS);
        MethodHandle commSize = fn(lib, "MPI_Comm_size", ADDRESS, ADDRESS);
        allreduce = fn(lib, "MPI_Allreduce", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        reduceScatterBlock = fn(lib, "MPI_Reduce_scatter_block", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        allgather = fn(lib, "MPI_Allgather", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        bcast = fn(lib, "MPI_Bcast", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        barrier = fn(lib, "MPI_Barrier", ADDRESS);
        abort = fn(lib, "MPI_Abort", ADDRESS, JAVA_INT);
        finalizeFn = fn(lib, "MPI_Finalize");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check("MPI_Init_thread", (int) initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                    MPI_THREAD_SERIALIZED, out));
            if (out.get(JAVA_INT, 0) < MPI_THREAD_SERIALIZED) {
                throw new IllegalStateException("this MPI library does not allow calls from several threads "
                        + "(MPI_THREAD_SERIALIZED); provided level " + out.get(JAVA_INT, 0));
            }
            check("MPI_Comm_rank", (int) commRank.invokeExact(comm, out));
            rank = out.get(JAVA_INT, 0);
            check("MPI_Comm_size", (int) commSize.invokeExact(comm, out));
            size = out.get(JAVA_INT, 0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI initialisation failed: " + t, t);
        }
        watchdog = new CollectiveWatchdog(rank);
    }

    /** Initialises MPI once per process (MPI can be initialised only once) and returns the world group. */
    public static synchronized MpiProcessGroup init() {
        if (instance == null) instance = new MpiProcessGroup(loadLibrary());
        return instance;
    }

    private static SymbolLookup loadLibrary() {
        String configured = System.getenv(LIBRARY_ENV);
        String name = configured != null && !configured.isBlank() ? configured : "libmpi.so.40";
        if (configured != null && !configured.isBlank() && !Files.isRegularFile(Path.of(configured))) {
            throw new IllegalStateException(LIBRARY_ENV + "=" + configured + " is not a file; " + INSTALL_HINT);
        }
        withoutMemoryPatcher();
        // Open MPI's plugins (MCA components) expect libmpi's symbols to be global, as a linked program has them.
        dlopenGlobal(name);
        try {
            return SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("cannot load " + name + " (Open MPI): " + INSTALL_HINT, e);
        }
    }

    /**
     * Turns off Open MPI's memory patcher ({@code OMPI_MCA_memory=^patcher}) unless the environment already sets
     * {@code OMPI_MCA_memory}. The patcher hooks munmap and friends for the registration cache of RDMA networks;
     * jtuner frees large native blocks every step, and with the hooks in place the medium LLaVA step of bench/ddp.sh
     * took 7.0 s per rank at 2 ranks against 3.5 s without them (and 3.5 s for one rank). Without the hooks Open MPI
     * only gives up keeping RDMA registrations pinned between calls (mpi_leave_pinned), which CPU jobs on shared
     * memory or TCP never use. It must be set before MPI_Init reads its parameters.
     */
    private static void withoutMemoryPatcher() {
        if (System.getenv("OMPI_MCA_memory") != null) return;
        Linker linker = Linker.nativeLinker();
        MemorySegment setenv = linker.defaultLookup().find("setenv").orElse(null);
        if (setenv == null) return;
        MethodHandle h = linker.downcallHandle(setenv, FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            int rc = (int) h.invokeExact(a.allocateFrom("OMPI_MCA_memory"), a.allocateFrom("^patcher"), 0);
            if (rc != 0) System.err.println("jtuner: could not set OMPI_MCA_memory=^patcher (setenv returned " + rc + ")");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void dlopenGlobal(String name) {
        final int rtldNowGlobal = 0x002 | 0x100;
        Linker linker = Linker.nativeLinker();
        MemorySegment dlopen = linker.defaultLookup().find("dlopen").orElse(null);
        if (dlopen == null) return;
        MethodHandle h = linker.downcallHandle(dlopen, FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) h.invokeExact(a.allocateFrom(name), rtldNowGlobal);
            if (handle.address() == 0) throw new IllegalStateException("cannot load " + name + " (Open MPI): " + INSTALL_HINT);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("libmpi has no symbol " + name
                + ": jtuner needs Open MPI 4 or 5 (its handles are link-time symbols); " + INSTALL_HINT));
    }

    private static MethodHandle fn(SymbolLookup lib, String name, java.lang.foreign.MemoryLayout... args) {
        MemorySegment f = lib.find(name).orElseThrow(() -> new IllegalStateException("libmpi has no function " + name));
        return Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(JAVA_INT, args));
    }

    private void check(String call, int rc) {
        if (rc != 0) throw new IllegalStateException(call + " failed with MPI error " + rc + " on rank " + rank);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceSum(MemorySegment floats, long count) {
        for (long done = 0; done < count; done += CHUNK) {
            int n = (int) Math.min(CHUNK, count - done);
            MemorySegment part = floats.asSlice(done * 4, n * 4L);
            call("MPI_Allreduce", () -> (int) allreduce.invokeExact(MPI_IN_PLACE, part, n, mpiFloat, opSum, comm));
        }
    }

    @Override
    public void allReduce(double[] values, Op op) {
        if (values.length == 0) return;
        MemorySegment o = switch (op) {
            case SUM -> opSum;
            case MAX -> opMax;
            case MIN -> opMin;
        };
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocateFrom(JAVA_DOUBLE, values);
            call("MPI_Allreduce", () -> (int) allreduce.invokeExact(MPI_IN_PLACE, buf, values.length, mpiDouble, o, comm));
            MemorySegment.copy(buf, JAVA_DOUBLE, 0, values, 0, values.length);
        }
    }

    @Override
    public void reduceScatterSum(MemorySegment in, MemorySegment out, long countPerRank) {
        int n = intCount(countPerRank);
        call("MPI_Reduce_scatter_block", () -> (int) reduceScatterBlock.invokeExact(in, out, n, mpiFloat, opSum, comm));
    }

    @Override
    public void allGather(MemorySegment in, MemorySegment out, long countPerRank) {
        int n = intCount(countPerRank);
        call("MPI_Allgather", () -> (int) allgather.invokeExact(in, n, mpiFloat, out, n, mpiFloat, comm));
    }

    @Override
    public void broadcast(MemorySegment bytes, int root) {
        for (long done = 0; done < bytes.byteSize(); done += CHUNK) {
            int n = (int) Math.min(CHUNK, bytes.byteSize() - done);
            MemorySegment part = bytes.asSlice(done, n);
            call("MPI_Bcast", () -> (int) bcast.invokeExact(part, n, mpiByte, root, comm));
        }
    }

    @Override
    public void barrier() {
        call("MPI_Barrier", () -> (int) barrier.invokeExact(comm));
    }

    @Override
    public void abort(int code) {
        System.out.flush();
        System.err.flush();
        call("MPI_Abort", () -> (int) abort.invokeExact(comm, code));
    }

    /** Finalises MPI (once; MPI cannot be initialised again in this process). */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        call("MPI_Finalize", () -> (int) finalizeFn.invokeExact());
    }

    private static int intCount(long count) {
        if (count > Integer.MAX_VALUE) throw new IllegalArgumentException("count " + count + " exceeds an MPI int count");
        return (int) count;
    }

    @FunctionalInterface
    private interface Call {
        int run() throws Throwable;
    }

    private void call(String name, Call c) {
        int rc;
        watchdog.enter(name);
        try {
            rc = c.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + ": " + t, t);
        } finally {
            watchdog.exit();
        }
        check(name, rc);
    }

    @Override
    public String toString() {
        return "MPI rank " + rank + " of " + size;
    }
}

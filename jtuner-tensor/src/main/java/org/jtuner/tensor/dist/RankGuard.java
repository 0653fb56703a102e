package org.jtuner.tensor.dist;

/**
 * Makes a failure on one rank stop the whole job at once, with a message that names the rank, instead of leaving the
 * other ranks waiting in their next collective for ever. Wrap a rank's work in {@link #run}: an exception or error
 * (an {@link OutOfMemoryError} included) of the body, or uncaught in any other thread, prints
 * {@code jtuner: rank R of N failed: ...} with its stack trace and calls {@code MPI_Abort}, which ends every rank
 * (mpirun then reports {@code MPI_ABORT was invoked on rank R}). A rank killed outright ({@code kill -9}, the kernel's
 * out-of-memory killer) cannot report anything: mpirun notices the dead process, names its rank and ends the others.
 * A rank stuck outside a collective is caught by the {@link CollectiveWatchdog} of the ranks waiting for it. In a
 * single process the body's exception propagates unchanged.
 */
public final class RankGuard {
    private RankGuard() {}

    public static void run(ProcessGroup group, Runnable body) {
        if (group.size() == 1) {
            body.run();
            return;
        }
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> fail(group, "in thread " + thread.getName(), e));
        try {
            body.run();
        } catch (Throwable e) {
            fail(group, "", e);
        }
    }

    /** Reports the failure and ends the job; never returns. */
    static void fail(ProcessGroup group, String where, Throwable e) {
        try {
            System.out.flush();
            System.err.println("jtuner: rank " + group.rank() + " of " + group.size() + " failed" + (where.isEmpty() ? "" : " " + where)
                    + ": " + e + "; stopping every rank");
            e.printStackTrace();
            System.err.flush();
            group.abort(1);
        } catch (Throwable again) {
            // out of memory while reporting, or abort failed: end this process; mpirun ends the others
        } finally {
            Runtime.getRuntime().halt(1);
        }
    }
}

package org.jtuner.tensor.dist;

/**
 * Ends this rank when one collective has waited longer than {@link #TIMEOUT_ENV} seconds (default 1800, 0 turns
 * it off): the other ranks are stuck, deadlocked or far slower, and a job that waits for ever is worse than one that
 * stops. It prints which collective waited how long, then halts the process with status 124; mpirun sees a rank exit
 * and ends the others. The default is long because rank 0 alone may evaluate or write a checkpoint while the others
 * wait in their next collective.
 */
final class CollectiveWatchdog {
    static final String TIMEOUT_ENV = "JTUNER_COLLECTIVE_TIMEOUT_S";
    private static final long DEFAULT_SECONDS = 1800;

    private final long timeoutNanos;
    private final int rank;
    private volatile String current; // the collective being waited for, or null
    private volatile long enteredAt;

    CollectiveWatchdog(int rank) {
        this.rank = rank;
        this.timeoutNanos = seconds() * 1_000_000_000L;
        if (timeoutNanos > 0) Thread.ofPlatform().daemon().name("jtuner-collective-watchdog").start(this::watch);
    }

    private static long seconds() {
        String v = System.getenv(TIMEOUT_ENV);
        if (v == null || v.isBlank()) return DEFAULT_SECONDS;
        try {
            long s = Long.parseLong(v.trim());
            if (s < 0) throw new NumberFormatException();
            return s;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TIMEOUT_ENV + "=" + v + " is not a number of seconds (0 turns the "
                    + "collective watchdog off)");
        }
    }

    void enter(String collective) {
        enteredAt = System.nanoTime();
        current = collective;
    }

    void exit() {
        current = null;
    }

    private void watch() {
        while (true) {
            try {
                Thread.sleep(Math.min(1000, Math.max(10, timeoutNanos / 5_000_000)));
            } catch (InterruptedException e) {
                return;
            }
            String c = current;
            long waited = System.nanoTime() - enteredAt;
            if (c != null && waited > timeoutNanos) {
                System.out.flush();
                System.err.printf("jtuner: rank %d: %s has waited %.0f s for the other ranks (one is stuck, dead or far "
                        + "slower; %s sets the limit); stopping the job%n", rank, c, waited / 1e9, TIMEOUT_ENV);
                System.err.flush();
                Runtime.getRuntime().halt(124);
            }
        }
    }
}

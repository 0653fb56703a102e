package org.jtuner.tensor.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The cores this process may use for compute. Alone, that is every available processor. Under {@code mpirun} it
 * is what the launcher bound the rank to (Java sees the binding as its available processors); when the ranks were
 * left unbound ({@code --bind-to none}) and so all see the whole machine, the machine's processors are split among
 * the ranks on it ({@code OMPI_COMM_WORLD_LOCAL_SIZE}), so that N ranks do not start N times as many threads.
 */
final class RankCores {
    private RankCores() {}

    static int available() {
        int available = Runtime.getRuntime().availableProcessors();
        String local = System.getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
        if (local == null) return available;
        int ranksHere;
        try {
            ranksHere = Integer.parseInt(local.trim());
        } catch (NumberFormatException e) {
            return available;
        }
        return share(available, affinityCount(), onlineCount(), ranksHere);
    }

    /**
     * @param affinity the processors this process is allowed on (-1 when unknown)
     * @param online   the processors of the machine (-1 when unknown)
     */
    static int share(int available, int affinity, int online, int ranksHere) {
        boolean bound = affinity > 0 && online > 0 && affinity < online;
        if (bound || ranksHere <= 1) return available;
        return Math.max(1, available / ranksHere);
    }

    /** The CPUs of {@code Cpus_allowed_list} in /proc/self/status, or -1. */
    private static int affinityCount() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) return countList(line.substring(line.indexOf(':') + 1));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or unreadable: no binding known
        }
        return -1;
    }

    /** The CPUs in /sys/devices/system/cpu/online, or -1. */
    private static int onlineCount() {
        try {
            return countList(Files.readString(Path.of("/sys/devices/system/cpu/online")));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Counts a Linux CPU list such as {@code 0-3,8,10-11}. */
    static int countList(String list) {
        int n = 0;
        for (String part : list.trim().split(",")) {
            if (part.isBlank()) continue;
            int dash = part.indexOf('-');
            n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1).trim()) - Integer.parseInt(part.substring(0, dash).trim()) + 1;
        }
        return n;
    }
}

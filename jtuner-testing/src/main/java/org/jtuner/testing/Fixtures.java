package org.jtuner.testing;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * Finds the reference fixtures in {@code ../shared/fixtures}. A test that needs a missing fixture is skipped
 * with a message, except under {@code CI=true}, where a missing fixture fails the test.
 */
public final class Fixtures {
    private Fixtures() {}

    /** The fixtures folder, or a skip (a failure under CI) when it is not there. */
    public static Path root() {
        return require(rootPath());
    }

    /** A file or folder inside the fixtures, e.g. {@code path("tiny-llama", "config.json")}. */
    public static Path path(String first, String... more) {
        return require(rootPath().resolve(Path.of(first, more)));
    }

    private static Path rootPath() {
        String configured = System.getProperty("jtuner.fixtures");
        if (configured != null && !configured.isBlank()) return Path.of(configured).toAbsolutePath().normalize();
        // Outside Maven: walk up from the working directory to the folder that has shared/ beside it.
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared/fixtures").normalize();
            if (Files.isDirectory(candidate)) return candidate;
        }
        return Path.of("../shared/fixtures").toAbsolutePath().normalize();
    }

    private static Path require(Path p) {
        if (Files.exists(p)) return p;
        String message = "fixture not found: " + p + " (the reference fixtures live in ../shared/fixtures beside the project)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) throw new AssertionError(message);
        Assumptions.abort(message);
        return p;
    }
}

package org.jtuner.data;

import java.nio.file.Path;

/**
 * Where a sample came from: its data file, the line its row starts on (1-based) and its {@code id} (null when the
 * row has none). Printed as {@code file:line (id X)} in every message about the sample.
 */
public record SourceRef(Path file, long line, String id) {
    @Override
    public String toString() {
        return file + ":" + line + (id != null ? " (id " + id + ")" : "");
    }
}

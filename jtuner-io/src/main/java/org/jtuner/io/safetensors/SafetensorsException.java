package org.jtuner.io.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file (or a sharded checkpoint's index) that is malformed. The message always names the file, and the
 * tensor where one is involved, and says what is wrong.
 */
public class SafetensorsException extends IOException {

    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}

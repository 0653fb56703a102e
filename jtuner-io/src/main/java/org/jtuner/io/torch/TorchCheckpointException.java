package org.jtuner.io.torch;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A PyTorch checkpoint that is refused or malformed. The message always names the file, and the tensor or the
 * forbidden global where one is involved.
 */
public class TorchCheckpointException extends IOException {
    public TorchCheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }
}

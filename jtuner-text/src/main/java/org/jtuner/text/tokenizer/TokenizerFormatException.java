package org.jtuner.text.tokenizer;

import java.io.IOException;
import java.nio.file.Path;

/** A {@code tokenizer.json} or {@code tokenizer_config.json} that cannot be used; the message names the file. */
public final class TokenizerFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public TokenizerFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}

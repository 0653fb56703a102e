package org.jtuner.text.tokenizer.util;

/**
 * Something in a {@code tokenizer.json} that we cannot build: the message names the place in the file. The loader
 * wraps it in a {@link org.jtuner.text.tokenizer.TokenizerFormatException} that adds the file's path.
 */
public final class TokenizerSpecException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerSpecException(String message) {
        super(message);
    }

    public TokenizerSpecException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.jtuner.text.template;

/** A chat template that cannot be read or rendered, or that called {@code raise_exception}. */
public class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}

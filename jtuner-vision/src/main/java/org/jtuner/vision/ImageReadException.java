package org.jtuner.vision;

import java.io.IOException;

/** An image that could not be decoded: the message names the file and says what is wrong. */
public final class ImageReadException extends IOException {
    /** What went wrong, for callers that count or report bad samples. */
    public enum Reason {
        /** The file could not be read at all (missing, not permitted, an I/O error). */
        UNREADABLE,
        /** Not one of the formats read here, or a variant of one that is not supported. */
        UNSUPPORTED,
        /** The data ends before the image does. */
        TRUNCATED,
        /** The data is damaged or not what its header says. */
        CORRUPT
    }

    private final Reason reason;

    public ImageReadException(String source, Reason reason, String detail, Throwable cause) {
        super(source + ": " + detail, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}

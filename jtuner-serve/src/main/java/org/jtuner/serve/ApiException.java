package org.jtuner.serve;

/**
 * A request the server refuses, with the HTTP status and OpenAI's error {@code type}; the message tells the client
 * what was wrong and what to send instead.
 */
final class ApiException extends RuntimeException {
    final int status;
    final String type;
    final String param; // the request field at fault, or null

    ApiException(int status, String type, String param, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
    }

    static ApiException badRequest(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, message);
    }
}

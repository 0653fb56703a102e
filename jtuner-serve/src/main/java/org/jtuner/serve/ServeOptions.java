package org.jtuner.serve;

import java.nio.file.Path;

/**
 * How the server runs: where it listens (127.0.0.1 unless told), the API key every {@code /v1} request must carry
 * (null: none), the one folder {@code file:} image URLs may name (null: no file URLs), how many requests one
 * generation batch takes, how many may wait (more get 503), the largest request body (more gets 413) and the
 * answer length when a request names none.
 */
public record ServeOptions(String host, int port, String apiKey, Path allowedLocalMediaPath, int maxBatch, int maxQueue,
                           long maxRequestBytes, int defaultMaxTokens) {
    public ServeOptions {
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be in 0..65535 (0 = any free port), got " + port);
        if (apiKey != null && apiKey.isEmpty()) apiKey = null;
        if (maxBatch < 1) throw new IllegalArgumentException("--max-batch must be at least 1, got " + maxBatch);
        if (maxQueue < 1) throw new IllegalArgumentException("--max-queue must be at least 1, got " + maxQueue);
        if (maxRequestBytes < 1) throw new IllegalArgumentException("--max-request-bytes must be at least 1, got " + maxRequestBytes);
        if (defaultMaxTokens < 1) throw new IllegalArgumentException("--max-tokens must be at least 1, got " + defaultMaxTokens);
    }

    /** Loopback, any free port, no key, no file URLs, batches of 8, 64 waiting, 20 MiB bodies, 512 tokens. */
    public static ServeOptions defaults() {
        return new ServeOptions("127.0.0.1", 0, null, null, 8, 64, 20L << 20, 512);
    }

    public ServeOptions withPort(int p) {
        return new ServeOptions(host, p, apiKey, allowedLocalMediaPath, maxBatch, maxQueue, maxRequestBytes, defaultMaxTokens);
    }

    public ServeOptions withApiKey(String k) {
        return new ServeOptions(host, port, k, allowedLocalMediaPath, maxBatch, maxQueue, maxRequestBytes, defaultMaxTokens);
    }

    public ServeOptions withAllowedLocalMediaPath(Path p) {
        return new ServeOptions(host, port, apiKey, p, maxBatch, maxQueue, maxRequestBytes, defaultMaxTokens);
    }

    public ServeOptions withLimits(int batch, int queue, long requestBytes) {
        return new ServeOptions(host, port, apiKey, allowedLocalMediaPath, batch, queue, requestBytes, defaultMaxTokens);
    }
}

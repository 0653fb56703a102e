package org.jtuner.serve;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;

import org.jtuner.generate.Generation;

/**
 * The HTTP side of {@code jtuner serve}: OpenAI's {@code POST /v1/chat/completions} (plain JSON, or server-sent
 * events in OpenAI's chunk format ending {@code data: [DONE]} when {@code stream} is true), {@code GET /v1/models},
 * and the web chat page at {@code /}. Javalin (Jetty) handles HTTP, one virtual thread per request; a request waits
 * for its turn on the {@link GenerationQueue}. With an API key, every {@code /v1} request must carry
 * {@code Authorization: Bearer KEY} (401 otherwise); the page itself holds no secret and asks for the key.
 */
public final class ChatServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAGE = "/org/jtuner/serve/index.html";
    /** Jetty closes a connection after this long without a byte either way (its default). */
    static final long IDLE_TIMEOUT_MS = 30_000;

    private final ServedModel model;
    private final ServeOptions options;
    private final ImageUrls imageUrls;
    private final GenerationQueue queue;
    private final long created = Instant.now().getEpochSecond();
    private final Javalin app;
    private final long idleTimeoutMs;
    private final AtomicInteger clientsLeft = new AtomicInteger(); // streams whose client went away

    private ChatServer(ServedModel model, ServeOptions options, long idleTimeoutMs) {
        this.model = model;
        this.idleTimeoutMs = idleTimeoutMs;
        this.options = options;
        this.imageUrls = new ImageUrls(options.allowedLocalMediaPath(), options.maxRequestBytes());
        this.queue = new GenerationQueue(model.generation(), options.maxBatch(), options.maxQueue());
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = options.maxRequestBytes();
            config.http.compressionStrategy = CompressionStrategy.NONE; // event streams must not sit in a gzip buffer
            config.requestLogger.http((ctx, ms) -> System.err.printf("serve: %d %s %s %.0f ms%n", ctx.statusCode(), ctx.method(), ctx.path(), ms));
            config.routes.before("/v1/*", this::authorize);
            config.routes.get("/v1/models", this::models);
            config.routes.post("/v1/chat/completions", this::chatCompletions);
            config.routes.get("/", this::page);
            config.routes.exception(ApiException.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(Exception.class, (e, ctx) -> {
                System.err.println("serve: " + ctx.method() + " " + ctx.path() + " failed: " + e);
                error(ctx, new ApiException(500, "server_error", null, "internal error: " + e.getMessage()));
            });
        });
    }

    /** Starts serving {@code model} as {@code options} say; port 0 takes any free port (see {@link #port()}). */
    public static ChatServer start(ServedModel model, ServeOptions options) {
        return start(model, options, IDLE_TIMEOUT_MS);
    }

    static ChatServer start(ServedModel model, ServeOptions options, long idleTimeoutMs) {
        ChatServer s = new ChatServer(model, options, idleTimeoutMs);
        try {
            s.app.start(options.host(), options.port());
            for (var c : s.app.jettyServer().server().getConnectors()) {
                if (c instanceof org.eclipse.jetty.server.AbstractConnector a) a.setIdleTimeout(idleTimeoutMs);
            }
        } catch (RuntimeException e) {
            s.queue.close();
            throw new IllegalStateException("cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
        return s;
    }

    public int port() {
        return app.port();
    }

    public URI uri() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return URI.create("http://" + host + ":" + port() + "/");
    }

    /** Requests waiting for the model. */
    int waiting() {
        return queue.waiting();
    }

    /** Streams so far whose client disconnected before the end. */
    int clientsLeft() {
        return clientsLeft.get();
    }

    private void authorize(Context ctx) {
        if (options.apiKey() == null) return;
        String header = ctx.header("Authorization");
        String expected = "Bearer " + options.apiKey();
        boolean ok = header != null && MessageDigest.isEqual(header.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiException(401, "invalid_request_error", null, header == null
                    ? "this server needs an API key: send Authorization: Bearer <key>" : "the API key is wrong");
        }
    }

    private void models(Context ctx) {
        ObjectNode o = JSON.createObjectNode().put("object", "list");
        o.putArray("data").addObject().put("id", model.id()).put("object", "model").put("created", created).put("owned_by", "jtuner");
        json(ctx, 200, o);
    }

    private void page(Context ctx) throws IOException {
        try (InputStream in = ChatServer.class.getResourceAsStream(PAGE)) {
            if (in == null) throw new IllegalStateException(PAGE + " is missing from the jar");
            ctx.contentType("text/html; charset=utf-8").result(in.readAllBytes());
        }
    }

    private void chatCompletions(Context ctx) throws Exception {
        ChatCompletionRequest request = ChatCompletionRequest.parse(readBody(ctx), model, options, imageUrls);
        GenerationQueue.Job job = queue.submit(request.prompt(), request.config());
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long now = Instant.now().getEpochSecond();
        if (request.stream()) {
            stream(ctx, job, id, now, request.includeUsage());
            return;
        }
        Generation g = await(job);
        ObjectNode o = head(id, "chat.completion", now);
        ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", g.text());
        choice.put("finish_reason", g.finishReason().wireName());
        usage(o, g);
        json(ctx, 200, o);
    }

    /** The body as JSON, refused with 413 beyond --max-request-bytes (by its declared length before reading). */
    private JsonNode readBody(Context ctx) throws IOException {
        long limit = options.maxRequestBytes();
        if (ctx.contentLength() > limit) throw tooLarge(ctx.contentLength());
        byte[] body = ctx.bodyInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) throw tooLarge(-1);
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest(null, "the body is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
    }

    private ApiException tooLarge(long length) {
        return new ApiException(413, "invalid_request_error", null, "the request" + (length > 0 ? " (" + length + " bytes)" : "")
                + " is larger than this server's limit of " + options.maxRequestBytes() + " bytes (--max-request-bytes)");
    }

    private static Generation await(GenerationQueue.Job job) throws InterruptedException {
        try {
            return job.result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ApiException a) throw a;
            throw new ApiException(500, "server_error", null, "generation failed: " + e.getCause());
        }
    }

    /** Server-sent events: a role chunk, content chunks as text comes, a finish chunk, maybe usage, then [DONE]. */
    private void stream(Context ctx, GenerationQueue.Job job, String id, long now, boolean includeUsage) throws InterruptedException {
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream; charset=utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no");
        try {
            OutputStream out = res.getOutputStream();
            event(out, chunk(id, now, d -> d.put("role", "assistant").put("content", ""), null));
            long lastWrite = System.nanoTime(), keepAlive = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs / 3);
            while (true) {
                String delta = job.text.poll(20, TimeUnit.MILLISECONDS);
                if (delta == null && job.result.isDone()) delta = job.text.poll(); // what came before the end
                if (delta != null) {
                    String text = delta;
                    event(out, chunk(id, now, d -> d.put("content", text), null));
                    lastWrite = System.nanoTime();
                } else if (job.result.isDone()) {
                    break;
                } else if (System.nanoTime() - lastWrite > keepAlive) {
                    // an SSE comment (clients skip it) keeps Jetty's idle timeout from closing a stream that waits its turn
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    lastWrite = System.nanoTime();
                }
            }
            Generation g;
            try {
                g = job.result.get();
            } catch (ExecutionException | CancellationException e) {
                ObjectNode err = JSON.createObjectNode();
                err.putObject("error").put("message", "generation failed: " + (e.getCause() != null ? e.getCause() : e)).put("type", "server_error");
                event(out, JSON.writeValueAsString(err));
                done(out);
                return;
            }
            event(out, chunk(id, now, d -> {}, g.finishReason().wireName()));
            if (includeUsage) {
                ObjectNode u = head(id, "chat.completion.chunk", now);
                u.putArray("choices");
                usage(u, g);
                event(out, JSON.writeValueAsString(u));
            }
            done(out);
        } catch (IOException | UncheckedIOException e) {
            job.abandoned = true; // not yet started: skipped; started: its batch finishes, its text is dropped
            clientsLeft.incrementAndGet();
            System.err.println("serve: a client left in the middle of its stream (" + e.getMessage() + ")");
        }
    }

    private String chunk(String id, long now, java.util.function.Consumer<ObjectNode> delta, String finishReason) {
        ObjectNode o = head(id, "chat.completion.chunk", now);
        ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
        delta.accept(choice.putObject("delta"));
        if (finishReason == null) choice.putNull("finish_reason");
        else choice.put("finish_reason", finishReason);
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void event(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void done(OutputStream out) throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private ObjectNode head(String id, String object, long now) {
        return JSON.createObjectNode().put("id", id).put("object", object).put("created", now).put("model", model.id());
    }

    private static void usage(ObjectNode o, Generation g) {
        o.putObject("usage").put("prompt_tokens", g.promptTokens()).put("completion_tokens", g.tokens().length)
                .put("total_tokens", g.promptTokens() + g.tokens().length);
    }

    private static void error(Context ctx, ApiException e) {
        if (e.status == 503) ctx.header("Retry-After", "1");
        ObjectNode o = JSON.createObjectNode();
        ObjectNode err = o.putObject("error").put("message", e.getMessage()).put("type", e.type);
        if (e.param != null) err.put("param", e.param);
        else err.putNull("param");
        err.put("code", e.status);
        json(ctx, e.status, o);
    }

    private static void json(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops listening (requests in flight are cut off) and stops the generation worker. */
    @Override
    public void close() {
        app.stop();
        queue.close();
    }

}

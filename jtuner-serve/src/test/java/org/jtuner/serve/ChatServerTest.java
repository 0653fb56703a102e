package org.jtuner.serve;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.TextListener;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server on a free loopback port, driven with OpenAI's wire format through java.net.http. The expected answers
 * are generation's own greedy answers to the same conversation (TinyLlava.greedy), computed while the server is idle.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChatServerTest {
    static final int MAX = 12;
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path work;
    static TinyLlava tiny;
    static Path image;
    static HttpClient http;

    @BeforeAll
    static void load() throws Exception {
        tiny = new TinyLlava(work);
        image = Fixtures.path("clip-image-processor", "small_64x48.png");
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @AfterAll
    static void close() {
        if (tiny != null) tiny.close();
    }

    // ---- the wire format -------------------------------------------------------------------------------------

    static ObjectNode request(String text, Path img, int maxTokens) {
        ObjectNode body = JSON.createObjectNode().put("model", "tiny-llava").put("temperature", 0).put("max_tokens", maxTokens);
        ObjectNode message = body.putArray("messages").addObject().put("role", "user");
        if (img == null) {
            message.put("content", text);
        } else {
            ArrayNode parts = message.putArray("content");
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", dataUrl(img));
            parts.addObject().put("type", "text").put("text", text);
        }
        return body;
    }

    static String dataUrl(Path img) {
        try {
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(img));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static HttpResponse<String> post(ChatServer s, JsonNode body, String key) throws Exception {
        return post(s, JSON.writeValueAsString(body), key);
    }

    static HttpResponse<String> post(ChatServer s, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(s.uri().resolve("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String answer(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode o = JSON.readTree(r.body());
        assertThat(o.get("object").asText()).isEqualTo("chat.completion");
        assertThat(o.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        return o.at("/choices/0/message/content").asText();
    }

    /** The data lines of an event stream; checks OpenAI's chunk format and the closing [DONE]. */
    static String streamedText(HttpResponse<String> r, List<String> finishReasons) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        List<String> data = new ArrayList<>();
        for (String event : r.body().split("\n\n")) {
            if (event.startsWith(":")) continue; // a keep-alive comment
            assertThat(event).startsWith("data: ");
            data.add(event.substring("data: ".length()));
        }
        assertThat(data.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < data.size() - 1; i++) {
            JsonNode c = JSON.readTree(data.get(i));
            assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
            if (c.get("choices").isEmpty()) continue; // the usage chunk
            JsonNode choice = c.at("/choices/0");
            if (i == 0) assertThat(choice.at("/delta/role").asText()).isEqualTo("assistant");
            text.append(choice.at("/delta/content").asText(""));
            if (!choice.get("finish_reason").isNull()) finishReasons.add(choice.get("finish_reason").asText());
        }
        return text.toString();
    }

    static int status(HttpResponse<String> r) {
        return r.statusCode();
    }

    static void eventually(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(10);
        }
    }

    // ---- the tests -----------------------------------------------------------------------------------------------

    @Test
    void plainAndStreamingAnswersAreTheGreedyAnswers() throws Exception {
        String textOnly = tiny.greedy("what is the colour of the shape?", List.of(), MAX);
        String withImage = tiny.greedy("what is the colour of the shape?", List.of(image), MAX);
        assertThat(textOnly).as("the image changes the answer").isNotEqualTo(withImage);
        try (ChatServer s = ChatServer.start(tiny.served(), ServeOptions.defaults())) {
            assertThat(s.uri().getHost()).isEqualTo("127.0.0.1");
            assertThat(answer(post(s, request("what is the colour of the shape?", null, MAX), null))).isEqualTo(textOnly);
            assertThat(answer(post(s, request("what is the colour of the shape?", image, MAX), null))).isEqualTo(withImage);

            List<String> finish = new ArrayList<>();
            ObjectNode streaming = request("what is the colour of the shape?", image, MAX).put("stream", true);
            streaming.putObject("stream_options").put("include_usage", true);
            HttpResponse<String> r = post(s, streaming, null);
            assertThat(streamedText(r, finish)).isEqualTo(withImage);
            assertThat(finish).hasSize(1);
            String[] events = r.body().split("\n\n");
            JsonNode usage = JSON.readTree(events[events.length - 2].substring(6)).get("usage");
            assertThat(usage.get("completion_tokens").asInt()).isBetween(1, MAX);

            HttpResponse<String> models = http.send(HttpRequest.newBuilder(s.uri().resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(models.body()).at("/data/0/id").asText()).isEqualTo("tiny-llava");
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(s.uri()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(page.body()).contains("/v1/chat/completions");
        }
    }

    @Test
    void concurrentRequestsAreBatchedAndEachGetsItsOwnAnswer() throws Exception {
        List<String> questions = List.of("what shape is it?", "is it red?", "how many shapes?", "describe the picture");
        List<String> expected = new ArrayList<>();
        for (String q : questions) expected.add(tiny.greedy(q, List.of(image), MAX));
        String holder = tiny.greedy("hello", List.of(), MAX);
        Gate gate = new Gate(tiny.generator, false);
        try (ChatServer s = ChatServer.start(tiny.served(gate), ServeOptions.defaults())) {
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> call(s, request("hello", null, MAX)));
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            List<CompletableFuture<HttpResponse<String>>> rest = new ArrayList<>();
            for (String q : questions) rest.add(CompletableFuture.supplyAsync(() -> call(s, request(q, image, MAX))));
            eventually("the four requests wait", () -> s.waiting() == questions.size());
            gate.open();
            assertThat(answer(first.get())).isEqualTo(holder);
            for (int i = 0; i < questions.size(); i++) assertThat(answer(rest.get(i).get())).as(questions.get(i)).isEqualTo(expected.get(i));
            assertThat(gate.sizes).as("the waiting requests went onto the model together").containsExactly(1, questions.size());
        }
    }

    static HttpResponse<String> call(ChatServer s, JsonNode body) {
        try {
            return post(s, body, null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFullQueueAnswers503AndTheQueuedRequestsStillComplete() throws Exception {
        Gate gate = new Gate(tiny.generator, false);
        try (ChatServer s = ChatServer.start(tiny.served(gate), ServeOptions.defaults().withLimits(1, 1, 1 << 20))) {
            CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(() -> call(s, request("hello", null, MAX)));
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<HttpResponse<String>> queued = CompletableFuture.supplyAsync(() -> call(s, request("is it red?", null, MAX)));
            eventually("one request waits", () -> s.waiting() == 1);
            HttpResponse<String> refused = post(s, request("one more", null, MAX), null);
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(refused.body()).at("/error/message").asText()).contains("--max-queue");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            gate.open();
            assertThat(running.get().statusCode()).isEqualTo(200);
            assertThat(answer(queued.get())).isEqualTo(tiny.greedy("is it red?", List.of(), MAX));
        }
    }

    @Test
    void aStreamThatWaitsLongerThanTheIdleTimeoutStaysOpen() throws Exception {
        String question = "describe the picture";
        String expected = tiny.greedy(question, List.of(image), 20);
        Gate gate = new Gate(tiny.generator, true);
        try (ChatServer s = ChatServer.start(tiny.served(gate), ServeOptions.defaults(), 600)) {
            CompletableFuture<HttpResponse<String>> r = CompletableFuture.supplyAsync(() -> call(s, request(question, image, 20).put("stream", true)));
            assertThat(gate.entered.await(30, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(2000); // over three idle timeouts without a token
            gate.open();
            List<String> finish = new ArrayList<>();
            assertThat(streamedText(r.get(), finish)).isEqualTo(expected);
            assertThat(r.get().body()).contains(": keep-alive");
        }
    }

    @Test
    void aRequestOverTheSizeLimitGets413() throws Exception {
        try (ChatServer s = ChatServer.start(tiny.served(), ServeOptions.defaults().withLimits(8, 64, 64 * 1024))) {
            HttpResponse<String> big = post(s, request("x".repeat(100 * 1024), null, MAX), null);
            assertThat(big.statusCode()).isEqualTo(413);
            assertThat(JSON.readTree(big.body()).at("/error/message").asText()).contains("--max-request-bytes");
            assertThat(post(s, request("is it red?", image, MAX), null).statusCode()).as("a small one still passes").isEqualTo(200);
        }
    }

    @Test
    void withAnApiKeyRequestsWithoutItGet401() throws Exception {
        try (ChatServer s = ChatServer.start(tiny.served(), ServeOptions.defaults().withApiKey("sekret-123"))) {
            assertThat(post(s, request("is it red?", null, MAX), null).statusCode()).isEqualTo(401);
            assertThat(post(s, request("is it red?", null, MAX), "wrong").statusCode()).isEqualTo(401);
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(s.uri().resolve("/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(models.statusCode()).isEqualTo(401);
            assertThat(answer(post(s, request("is it red?", null, MAX), "sekret-123"))).isEqualTo(tiny.greedy("is it red?", List.of(), MAX));
        }
    }

    @Test
    void aClientLeavingMidStreamDoesNotStopTheServer() throws Exception {
        String question = "describe the picture";
        assertThat(tiny.greedy(question, List.of(image), 40)).as("an answer with text to stream").isNotEmpty();
        Gate gate = new Gate(tiny.generator, true);
        try (ChatServer s = ChatServer.start(tiny.served(gate), ServeOptions.defaults())) {
            byte[] body = JSON.writeValueAsBytes(request(question, image, 40).put("stream", true));
            try (Socket socket = new Socket("127.0.0.1", s.port())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                String line;
                boolean content = false;
                while (!content && (line = in.readLine()) != null) content = line.startsWith("data: ") && line.contains("\"content\":\"") && !line.contains("\"content\":\"\"");
                assertThat(content).as("a first piece of the answer arrived").isTrue();
                socket.setSoLinger(true, 0); // close with a reset, as a killed client does
            }
            gate.open();
            eventually("the server notices the client left", () -> s.clientsLeft() == 1);
            assertThat(answer(post(s, request("is it red?", image, MAX), null))).isEqualTo(tiny.greedy("is it red?", List.of(image), MAX));
            List<String> finish = new ArrayList<>();
            assertThat(streamedText(post(s, request(question, image, 40).put("stream", true), null), finish))
                    .isEqualTo(tiny.greedy(question, List.of(image), 40));
        }
    }

    @Test
    void fileUrlsOnlyInsideTheAllowedFolder() throws Exception {
        Path allowed = Files.createDirectories(work.resolve("media"));
        Path outside = Files.createDirectories(work.resolve("private"));
        Files.copy(image, allowed.resolve("shape.png"));
        Files.copy(image, outside.resolve("secret.png"));
        Path fifo = outside.resolve("fifo.png");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mk.waitFor()).as("mkfifo").isZero();
        Files.createSymbolicLink(allowed.resolve("link-to-fifo.png"), fifo);
        Files.createSymbolicLink(allowed.resolve("link-to-secret.png"), outside.resolve("secret.png"));
        Files.createSymbolicLink(allowed.resolve("sub"), outside);
        try (ChatServer s = ChatServer.start(tiny.served(), ServeOptions.defaults().withAllowedLocalMediaPath(allowed))) {
            String expected = tiny.greedy("is it red?", List.of(image), MAX);
            assertThat(answer(post(s, fileRequest(allowed.resolve("shape.png").toUri().toString()), null))).isEqualTo(expected);
            // opening the FIFO for reading would block until a writer comes: a prompt 400 shows it was never opened
            for (String url : List.of(fifo.toUri().toString(), "file://" + allowed + "/../private/fifo.png",
                    allowed.resolve("link-to-fifo.png").toUri().toString(), allowed.resolve("link-to-secret.png").toUri().toString(),
                    "file://" + allowed + "/sub/secret.png", "file:///etc/passwd", "http://127.0.0.1:1/x.png")) {
                HttpResponse<String> r = post(s, fileRequest(url), null);
                assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).at("/error/param").asText()).as(url).isEqualTo("messages[0].content[0]");
            }
        }
        try (ChatServer s = ChatServer.start(tiny.served(), ServeOptions.defaults())) {
            HttpResponse<String> r = post(s, fileRequest(allowed.resolve("shape.png").toUri().toString()), null);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("--allowed-local-media-path");
        }
    }

    static ObjectNode fileRequest(String url) {
        ObjectNode body = JSON.createObjectNode().put("model", "tiny-llava").put("temperature", 0).put("max_tokens", MAX);
        ArrayNode parts = body.putArray("messages").addObject().put("role", "user").putArray("content");
        parts.addObject().put("type", "image_url").putObject("image_url").put("url", url);
        parts.addObject().put("type", "text").put("text", "is it red?");
        return body;
    }

    @Test
    void aConversationSamplingSettingsAndStopStringsReachTheGenerator() throws Exception {
        try (ChatServer s = ChatServer.start(tiny.served(), ServeOptions.defaults())) {
            // system text, an earlier round with an image, then a follow-up: the prompt chat would build
            ObjectNode body = JSON.createObjectNode().put("temperature", 0).put("max_tokens", MAX);
            ArrayNode messages = body.putArray("messages");
            messages.addObject().put("role", "system").put("content", "answer briefly");
            ArrayNode parts = messages.addObject().put("role", "user").putArray("content");
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", dataUrl(image));
            parts.addObject().put("type", "text").put("text", "what shape is it?");
            messages.addObject().put("role", "assistant").put("content", "a circle");
            messages.addObject().put("role", "user").put("content", "and its colour?");
            var prompt = tiny.prompts.build("answer briefly", List.of(new org.jtuner.generate.PromptBuilder.Exchange("<image>\nwhat shape is it?", "a circle")),
                    "and its colour?", List.of(tiny.pixels(image)));
            GenerationConfig greedy = GenerationConfig.greedy(MAX, tiny.eos).withStopStrings(tiny.prompts.stopWords());
            assertThat(answer(post(s, body, null))).isEqualTo(tiny.generator.generate(prompt, greedy, TextListener.NONE).text());

            // sampling with a seed: the generator's own draw with the same settings, twice the same
            ObjectNode sampled = request("is it red?", image, MAX).put("temperature", 0.9).put("top_p", 0.8).put("top_k", 50).put("seed", 1234);
            var alone = tiny.prompts.build(null, List.of(), "<image>\nis it red?", List.of(tiny.pixels(image)));
            String drawn = tiny.generator.generate(alone, new GenerationConfig(MAX, true, 0.9, 50, 0.8, 1.0, 1234, tiny.eos,
                    tiny.prompts.stopWords()), TextListener.NONE).text();
            assertThat(answer(post(s, sampled, null))).isEqualTo(drawn);
            assertThat(answer(post(s, sampled, null))).isEqualTo(drawn);

            // a stop string ends the answer before it, as generation ends it
            String full = tiny.greedy("is it red?", List.of(image), MAX);
            String stop = full.substring(full.length() / 2, full.length() / 2 + 1);
            String cut = tiny.generator.generate(alone, greedy.withStopStrings(List.of(stop)), TextListener.NONE).text();
            assertThat(cut).as("the stop string cuts the answer").isNotEqualTo(full);
            ObjectNode stopped = request("is it red?", image, MAX);
            stopped.putArray("stop").add(stop);
            HttpResponse<String> r = post(s, stopped, null);
            assertThat(answer(r)).isEqualTo(cut);
            assertThat(JSON.readTree(r.body()).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        }
    }

    @Test
    void badRequestsAreNamed() throws Exception {
        try (ChatServer s = ChatServer.start(tiny.served(), ServeOptions.defaults())) {
            assertThat(post(s, "{not json", null).statusCode()).isEqualTo(400);
            assertThat(post(s, "{\"messages\": []}", null).statusCode()).isEqualTo(400);
            HttpResponse<String> r = post(s, "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\", \"image_url\": {\"url\": \"data:image/png;base64,AAAA\"}}]}]}", null);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("messages[0].content[0]");
            assertThat(post(s, "{\"model\": \"gpt-4\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", null).statusCode()).isEqualTo(404);
            assertThat(post(s, "{\"temperature\": 5, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", null).statusCode()).isEqualTo(400);
        }
    }
}

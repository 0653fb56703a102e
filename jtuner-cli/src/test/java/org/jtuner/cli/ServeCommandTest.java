package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.generate.TextListener;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.demo.DemoTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

/**
 * {@code jtuner serve} from its command line on tiny-llava laid out as a LLaVA folder (a tokenizer of its 320 ids, a
 * 32-pixel processor): the model loads as chat loads it, the options reach the server (port, key, media folder, name),
 * and an answer over HTTP is the greedy answer of the same folder loaded by {@code ChatModel}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;

    static Path tinyLlavaFolder(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path fixture = Fixtures.path("tiny-llava");
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(fixture.resolve(f), dir.resolve(f));
        List<String> chars = new ArrayList<>();
        for (char c : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678".toCharArray()) chars.add(String.valueOf(c));
        assertThat(DemoTokenizer.write(dir, chars)).isEqualTo(320);
        Files.writeString(dir.resolve("preprocessor_config.json"),
                "{\"image_processor_type\": \"CLIPImageProcessor\", \"size\": {\"shortest_edge\": 32}, \"crop_size\": {\"height\": 32, \"width\": 32}}");
        return dir;
    }

    @Test
    void servesTheFolderWithItsOptions() throws Exception {
        Path model = tinyLlavaFolder(tmp.resolve("tiny-llava"));
        Path media = Files.createDirectories(tmp.resolve("media"));
        Path image = Files.copy(Fixtures.path("clip-image-processor", "small_64x48.png"), media.resolve("shape.png"));
        String expected;
        try (ChatModel m = ChatModel.load(model, "vicuna")) {
            var p = m.prompts.build(null, List.of(), PromptBuilder.IMAGE_PLACEHOLDER + "\nis it red?", List.of(m.images.load(image)));
            expected = m.generator.generate(p, GenerationConfig.greedy(10, List.of(m.generator.tokenizer().eosId()))
                    .withStopStrings(m.prompts.stopWords()), TextListener.NONE).text();
        }
        ServeCommand serve = new ServeCommand();
        CommandLine cmd = new CommandLine(serve);
        Thread t = Thread.ofPlatform().start(() -> cmd.execute(model.toString(), "--prompt-template", "vicuna", "--port", "0",
                "--api-key", "k1", "--allowed-local-media-path", media.toString(), "--served-model-name", "tiny"));
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (serve.server == null && t.isAlive() && System.nanoTime() < end) Thread.sleep(20);
            assertThat(serve.server).as("the server started").isNotNull();
            URI base = serve.server.uri();
            assertThat(base.getHost()).isEqualTo("127.0.0.1");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(base.resolve("/v1/models")).header("Authorization", "Bearer k1").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(models.body()).at("/data/0/id").asText()).isEqualTo("tiny");

            ObjectNode body = JSON.createObjectNode().put("model", "tiny").put("temperature", 0).put("max_tokens", 10);
            ArrayNode parts = body.putArray("messages").addObject().put("role", "user").putArray("content");
            parts.addObject().put("type", "image_url").putObject("image_url").put("url", image.toUri().toString());
            parts.addObject().put("type", "text").put("text", "is it red?");
            HttpRequest.Builder post = HttpRequest.newBuilder(base.resolve("/v1/chat/completions")).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
            assertThat(http.send(post.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
            HttpResponse<String> r = http.send(post.header("Authorization", "Bearer k1").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode answer = JSON.readTree(r.body());
            assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo(expected);
        } finally {
            serve.stop();
            t.join(30_000);
        }
        assertThat(t.isAlive()).as("serve returns once stopped").isFalse();
    }
}

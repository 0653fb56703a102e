package org.jtuner.text.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.assertj.core.api.SoftAssertions;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code tokenizers/<name>/encodings.json} (made by tokenizers 0.23.2): ids without and with special
 * tokens, tokens, and the decoding of the ids with and without special tokens must be identical.
 */
class FixtureEncodingsTest {
    private static final List<String> NAMES = List.of("llama2", "llama3", "qwen3");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ConcurrentHashMap<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> {
            try {
                return Tokenizer.load(Fixtures.path("tokenizers", n));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static JsonNode encodings(String name) throws IOException {
        return JSON.readTree(Fixtures.path("tokenizers", name, "encodings.json").toFile());
    }

    @TestFactory
    Stream<DynamicContainer> everyCaseMatchesTheReference() throws IOException {
        List<DynamicContainer> containers = new ArrayList<>();
        for (String name : NAMES) {
            JsonNode cases = encodings(name).get("cases");
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                JsonNode c = cases.get(i);
                String text = c.get("text").asText();
                String label = "case " + i + ": " + JSON.writeValueAsString(text.length() > 40 ? text.substring(0, 40) + "..." : text);
                tests.add(DynamicTest.dynamicTest(label, () -> checkCase(tokenizer(name), c)));
            }
            containers.add(DynamicContainer.dynamicContainer(name, tests));
        }
        return containers.stream();
    }

    private static void checkCase(Tokenizer tok, JsonNode c) {
        String text = c.get("text").asText();
        int[] ids = ints(c.get("ids"));
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(tok.encode(text, false)).as("ids").containsExactly(ids);
        soft.assertThat(tok.tokens(text)).as("tokens").containsExactlyElementsOf(strings(c.get("tokens")));
        soft.assertThat(tok.encode(text, true)).as("ids_with_special").containsExactly(ints(c.get("ids_with_special")));
        // The fixture decodes the ids without the post-processor's special tokens.
        soft.assertThat(tok.decode(ids, false)).as("decoded").isEqualTo(c.get("decoded").asText());
        soft.assertThat(tok.decode(ids, true)).as("decoded_skip_special").isEqualTo(c.get("decoded_skip_special").asText());
        soft.assertAll();
    }

    @Test
    void chatTemplateIdsMatchWhenTheRenderedTextIsEncoded() throws IOException {
        for (String name : NAMES) {
            JsonNode chat = encodings(name).get("chat_template");
            if (chat == null) continue;
            // The rendered template already holds its special tokens, so none are added.
            assertThat(tokenizer(name).encode(chat.get("rendered").asText(), false)).as(name)
                    .containsExactly(ints(chat.get("ids")));
        }
    }

    @Test
    void specialTokenIdsComeFromTheConfig() {
        assertThat(tokenizer("llama2").bosId()).isEqualTo(1);
        assertThat(tokenizer("llama2").eosId()).isEqualTo(2);
        assertThat(tokenizer("llama3").bosId()).isEqualTo(128000);
        assertThat(tokenizer("llama3").eosId()).isEqualTo(128001);
        assertThat(tokenizer("qwen3").bosId()).isNull();
        assertThat(tokenizer("qwen3").eosId()).isEqualTo(151645);
        assertThat(tokenizer("llama3").vocabSize()).isEqualTo(128256);
        assertThat(tokenizer("llama2").vocabSize()).isEqualTo(32000);
        assertThat(tokenizer("qwen3").specialTokens()).contains("<|im_start|>", "<|endoftext|>").doesNotContain("<think>");
        assertThat(tokenizer("qwen3").tokenId("<|im_end|>")).isEqualTo(151645);
        assertThat(tokenizer("qwen3").idToToken(151645)).isEqualTo("<|im_end|>");
        assertThat(tokenizer("llama3").tokenId("no such token")).isEqualTo(-1);
    }

    @Test
    void batchEncodingEqualsOneByOne() throws IOException {
        for (String name : NAMES) {
            Tokenizer tok = tokenizer(name);
            List<String> texts = new ArrayList<>();
            encodings(name).get("cases").forEach(c -> texts.add(c.get("text").asText()));
            List<int[]> batch = tok.encodeBatch(texts, true);
            for (int i = 0; i < texts.size(); i++) assertThat(batch.get(i)).containsExactly(tok.encode(texts.get(i), true));
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}

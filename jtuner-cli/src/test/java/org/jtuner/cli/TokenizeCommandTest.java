package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jtuner tokenize` prints the ids Hugging Face's tokenizers gives, and renders chats as transformers does. */
class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void idsAndRenderedChatMatchTheLlama3Fixture(@TempDir Path tmp) throws Exception {
        Path dir = Fixtures.path("tokenizers", "llama3");
        JsonNode fixture = JSON.readTree(dir.resolve("encodings.json").toFile());
        JsonNode first = fixture.get("cases").get(0);
        DatasetCommandsTest.Captured plain = DatasetCommandsTest.run("tokenize", "--tokenizer", dir.toString(),
                "--text", first.get("text").asText());
        assertThat(plain.code()).isZero();
        assertThat(JSON.readTree(plain.out())).isEqualTo(first.get("ids"));

        JsonNode chat = fixture.get("chat_template");
        Path messages = tmp.resolve("messages.json");
        Files.writeString(messages, JSON.writeValueAsString(chat.get("messages")));
        DatasetCommandsTest.Captured rendered = DatasetCommandsTest.run("tokenize", "--tokenizer", dir.toString(),
                "--chat", messages.toString(), "--add-generation-prompt");
        assertThat(rendered.code()).isZero();
        JsonNode out = JSON.readTree(rendered.out());
        assertThat(out.get("rendered").asText()).isEqualTo(chat.get("rendered").asText());
        if (chat.has("ids")) assertThat(out.get("ids")).isEqualTo(chat.get("ids"));
    }
}

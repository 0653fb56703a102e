package org.jtuner.text.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Renders compared with Python's Jinja as transformers configures it: jinja_cases.json was made by
 * jinja_cases.py (beside it in the test resources) with jinja2 3.1.6 and a copy of transformers' chat
 * template environment. Small synthetic templates cover one feature each (whitespace control, loops,
 * namespace, slices, string methods, tojson, filters, tests, macros); the qwen3 and llama3 cases run the
 * fixture templates over harder conversations (tools, tool calls, tool responses, thinking, history).
 * An expected "ERROR: message" means the template raised that exception.
 */
class ChatTemplateJinjaCasesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> rendersAsPythonJinja() throws IOException {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("jinja_cases.json")) {
            cases = JSON.readTree(in).get("cases");
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : cases) tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(c)));
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    private static void check(JsonNode c) throws IOException {
        String source = c.has("fixture")
                ? JSON.readTree(Files.readString(Fixtures.path("tokenizers", c.get("fixture").asText(), "tokenizer_config.json")))
                        .get("chat_template").asText()
                : c.get("template").asText();
        ChatTemplate template = ChatTemplate.of(source, JSON.convertValue(c.get("tokens"), Map.class));
        List<Map<String, Object>> messages = JSON.convertValue(c.get("messages"), List.class);
        boolean addGenerationPrompt = c.get("add_generation_prompt").asBoolean();
        Map<String, Object> extra = JSON.convertValue(c.get("extra"), Map.class);
        String expected = c.get("expected").asText();
        if (expected.startsWith("ERROR: ")) {
            assertThatThrownBy(() -> template.render(messages, addGenerationPrompt, extra))
                    .isInstanceOf(ChatTemplateException.class)
                    .hasMessage(expected.substring("ERROR: ".length()));
        } else {
            assertThat(template.render(messages, addGenerationPrompt, extra)).isEqualTo(expected);
        }
    }
}

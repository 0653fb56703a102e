package org.jtuner.text.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The tokenizers' own chat templates against what transformers rendered: encodings.json holds, under
 * "chat_template", a conversation ("messages"), "add_generation_prompt" and the "rendered" string.
 */
class ChatTemplateFixtureTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Reference(List<Map<String, Object>> messages, boolean addGenerationPrompt, String rendered) {}

    @SuppressWarnings("unchecked")
    private static Reference reference(String tokenizer) throws IOException {
        JsonNode node = JSON.readTree(Fixtures.path("tokenizers", tokenizer, "encodings.json").toFile()).get("chat_template");
        return new Reference(JSON.convertValue(node.get("messages"), List.class),
                node.get("add_generation_prompt").asBoolean(), node.get("rendered").asText());
    }

    private static ChatTemplate template(String tokenizer) {
        return ChatTemplate.fromTokenizerConfig(Fixtures.path("tokenizers", tokenizer, "tokenizer_config.json"));
    }

    @Test
    void llama3MatchesTransformers() throws IOException {
        Reference ref = reference("llama3");
        assertThat(ref.addGenerationPrompt()).isTrue();
        assertThat(template("llama3").render(ref.messages(), true)).isEqualTo(ref.rendered());
    }

    @Test
    void llama3IgnoresAddGenerationPrompt() throws IOException {
        // This (original Llama 3) template always ends with '<|start_header_id|>assistant<|end_header_id|>\n\n'
        // and never reads add_generation_prompt, so false renders the same string.
        Reference ref = reference("llama3");
        assertThat(template("llama3").render(ref.messages(), false)).isEqualTo(ref.rendered());
        assertThat(template("llama3").specialTokens()).containsEntry("bos_token", "<|begin_of_text|>");
    }

    @Test
    void qwen3MatchesTransformers() throws IOException {
        Reference ref = reference("qwen3");
        assertThat(ref.addGenerationPrompt()).isTrue();
        assertThat(template("qwen3").render(ref.messages(), true)).isEqualTo(ref.rendered());
    }

    @Test
    void qwen3WithoutGenerationPrompt() throws IOException {
        // The template's last block writes '<|im_start|>assistant\n' only when add_generation_prompt is true.
        Reference ref = reference("qwen3");
        String suffix = "<|im_start|>assistant\n";
        assertThat(ref.rendered()).endsWith(suffix);
        assertThat(template("qwen3").render(ref.messages(), false))
                .isEqualTo(ref.rendered().substring(0, ref.rendered().length() - suffix.length()));
    }

    @Test
    void qwen3WithThinkingDisabled() throws IOException {
        // enable_thinking is false: the generation prompt is followed by an empty think block.
        Reference ref = reference("qwen3");
        assertThat(template("qwen3").render(ref.messages(), true, Map.of("enable_thinking", false)))
                .isEqualTo(ref.rendered() + "<think>\n\n</think>\n\n");
    }
}

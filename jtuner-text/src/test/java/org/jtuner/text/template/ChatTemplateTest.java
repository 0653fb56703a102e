package org.jtuner.text.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading templates from tokenizer configs, the functions transformers adds, and the known limits. */
class ChatTemplateTest {
    private static final List<Map<String, String>> HI = List.of(Map.of("role", "user", "content", "hi"));

    @TempDir
    Path dir;

    private Path config(String json) throws IOException {
        return Files.writeString(dir.resolve("tokenizer_config.json"), json);
    }

    @Test
    void readsAddedTokenObjectsAndNamedTemplates() throws IOException {
        Path path = config("""
                {"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                 "eos_token": "</s>", "unk_token": null,
                 "chat_template": [{"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"},
                                   {"name": "tool_use", "template": "tools: {{ tools | length }}"}]}
                """);
        assertThat(ChatTemplate.fromTokenizerConfig(path).render(HI, false)).isEqualTo("<s>hi</s>");
        assertThat(ChatTemplate.fromTokenizerConfig(path, "tool_use").render(HI, false, Map.of("tools", List.of(1, 2))))
                .isEqualTo("tools: 2");
        assertThat(ChatTemplate.fromTokenizerConfig(path).specialTokens()).doesNotContainKey("unk_token");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(path, "rag"))
                .hasMessageContaining("no chat template named 'rag'").hasMessageContaining("[default, tool_use]");
    }

    @Test
    void readsChatTemplateJinjaBesideTheConfig() throws IOException {
        Path path = config("{\"eos_token\": \"</s>\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }}{% endfor %}{{ eos_token }}\n");
        // The file's trailing newline goes, as Jinja drops one (keep_trailing_newline=False).
        assertThat(ChatTemplate.fromTokenizerConfig(path).render(HI, false)).isEqualTo("hi</s>");
    }

    @Test
    void aBaseModelHasNoTemplate() throws IOException {
        Path path = config("{\"bos_token\": \"<s>\"}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(path))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("no chat_template");
    }

    @Test
    void raiseExceptionStopsWithTheTemplatesMessage() {
        ChatTemplate t = ChatTemplate.of("{% if messages[0].role != 'system' %}{{ raise_exception('System first!') }}{% endif %}ok", Map.of());
        assertThatThrownBy(() -> t.render(HI, false)).isInstanceOf(ChatTemplateException.class).hasMessage("System first!");
    }

    @Test
    void strftimeNowReadsTheClock() {
        Clock clock = Clock.fixed(Instant.parse("2024-07-06T09:05:03Z"), ZoneOffset.UTC);
        ChatTemplate t = ChatTemplate.of("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%-d %B %y, %H:%M:%S %p %a %j') }}",
                Map.of()).withClock(clock);
        assertThat(t.render(HI, false)).isEqualTo("06 Jul 2024|6 July 24, 09:05:03 AM Sat 188");
    }

    @Test
    void generationTagIsTransparent() {
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}{% generation %}[{{ m.content }}]{% endgeneration %}{% endfor %}", Map.of());
        assertThat(t.render(HI, false)).isEqualTo("[hi]");
    }

    @Test
    void messageTextIsNeverRenderedAgain() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0].content }}", Map.of());
        List<Map<String, String>> tricky = List.of(Map.of("role", "user", "content", "{{ 7 * 7 }} {% raw %}"));
        assertThat(t.render(tricky, false)).isEqualTo("{{ 7 * 7 }} {% raw %}");
    }

    @Test
    void unknownFiltersAndBrokenTagsAreRefused() {
        // Jinja refuses these when compiling; rendering them as nothing would silently change the prompt.
        assertThatThrownBy(() -> ChatTemplate.of("{{ messages | from_json }}", Map.of()))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("filter 'from_json'");
        assertThatThrownBy(() -> ChatTemplate.of("{{ x is callable }}", Map.of()))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("test 'callable'");
        assertThatThrownBy(() -> ChatTemplate.of("{{ x ", Map.of()))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> ChatTemplate.of("{% for m in %}{% endfor %}", Map.of()).render(HI, false))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("'for' expects");
    }

    @Test
    void extraVariablesWinOverSpecialTokens() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}", Map.of("bos_token", "<s>"));
        assertThat(t.render(HI, false, Map.of("bos_token", "<B>"))).isEqualTo("<B>");
    }

    /**
     * Known limit: Jinjava has one null for Jinja's Undefined and for None. Printing follows Undefined (empty),
     * since printing an absent variable such as bos_token is what templates do on purpose; Python prints an
     * explicit None as "None", and `x == none` is true here for an undefined x.
     */
    @Test
    void noneAndUndefinedBothPrintEmpty() {
        assertThat(ChatTemplate.of("[{{ none }}|{{ nothing }}|{{ 'a' ~ none }}|{{ [none] }}]", Map.of()).render(HI, false))
                .isEqualTo("[||a|[None]]");
    }
}

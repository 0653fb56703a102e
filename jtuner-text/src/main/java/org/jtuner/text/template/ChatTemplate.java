package org.jtuner.text.template;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A Hugging Face chat template (the Jinja template in {@code tokenizer_config.json}) rendered the way
 * {@code tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=...)} renders it.
 *
 * <p>The template sees what transformers gives it: {@code messages}, {@code tools} and {@code documents}
 * (None unless given in {@code extra}), {@code add_generation_prompt}, the tokenizer's special tokens
 * ({@code bos_token}, {@code eos_token}, ...), and every entry of {@code extra}
 * (e.g. {@code enable_thinking}), which wins over a special token of the same name.
 */
public final class ChatTemplate {
    /** The special tokens transformers puts in the template's scope ({@code special_tokens_map}). */
    private static final List<String> SPECIAL_TOKENS = List.of(
            "bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HfJinjava JINJAVA = new HfJinjava();

    private final String source;
    private final String normalized;
    private final Map<String, Object> specialTokens;
    private final Clock clock;

    private ChatTemplate(String source, Map<String, Object> specialTokens, Clock clock) {
        this.source = Objects.requireNonNull(source, "template source");
        try {
            this.normalized = JinjaWhitespace.normalize(source);
        } catch (IllegalArgumentException e) {
            throw new ChatTemplateException("malformed chat template: " + e.getMessage(), e);
        }
        Set<String> unknown = TemplateNames.unknown(normalized, JINJAVA.getGlobalContext());
        if (!unknown.isEmpty()) {
            throw new ChatTemplateException("chat template uses " + String.join(", ", unknown) + ", which this Jinja environment does not have");
        }
        this.specialTokens = Collections.unmodifiableMap(new HashMap<>(specialTokens)); // values may be None
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A template from its source and the special tokens it may use, e.g. {@code Map.of("bos_token", "<s>")}. */
    public static ChatTemplate of(String source, Map<String, ?> specialTokens) {
        return new ChatTemplate(source, new HashMap<>(specialTokens), Clock.systemDefaultZone());
    }

    /**
     * Reads the template of a tokenizer: {@code chat_template} in {@code tokenizer_config.json} (a string,
     * or a list of named templates, of which "default" is taken), else a {@code chat_template.jinja}
     * beside it (where transformers 4.43+ saves it), plus the special tokens of the config.
     */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfigJson) {
        return fromTokenizerConfig(tokenizerConfigJson, "default");
    }

    /** As {@link #fromTokenizerConfig(Path)}, choosing a named template when the config has several. */
    public static ChatTemplate fromTokenizerConfig(Path tokenizerConfigJson, String templateName) {
        JsonNode config;
        try {
            config = JSON.readTree(tokenizerConfigJson.toFile());
        } catch (IOException e) {
            throw new ChatTemplateException("cannot read tokenizer config " + tokenizerConfigJson + ": " + e.getMessage(), e);
        }
        Map<String, Object> tokens = new HashMap<>();
        for (String name : SPECIAL_TOKENS) {
            String content = tokenContent(config.get(name));
            if (content != null) tokens.put(name, content);
        }
        JsonNode extra = config.get("additional_special_tokens");
        if (extra != null && extra.isArray()) {
            List<String> list = new ArrayList<>();
            extra.forEach(t -> list.add(tokenContent(t)));
            tokens.put("additional_special_tokens", list);
        }
        return new ChatTemplate(templateSource(config, tokenizerConfigJson, templateName), tokens, Clock.systemDefaultZone());
    }

    /** The same template with another clock for {@code strftime_now} (tests, reproducible prompts). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(source, specialTokens, clock);
    }

    public String source() {
        return source;
    }

    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders a conversation ({@code [{"role": "user", "content": "..."}, ...]}).
     *
     * @param extra further template variables: {@code tools}, {@code documents}, {@code enable_thinking}, ...
     * @throws ChatTemplateException when the template calls {@code raise_exception} or fails to render
     */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", messages);
        context.put("tools", null);
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.putAll(extra);
        context.put(TemplateFunctions.CLOCK_VARIABLE, clock);
        RenderResult result = JINJAVA.renderForResult(normalized, context);
        failOnErrors(result.getErrors());
        return result.getOutput();
    }

    private static void failOnErrors(List<TemplateError> errors) {
        for (TemplateError error : errors) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateFunctions.RaisedException raised) {
                    throw new ChatTemplateException(raised.getMessage());
                }
            }
        }
        List<TemplateError> fatal = errors.stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        if (!fatal.isEmpty()) {
            throw new ChatTemplateException("chat template failed to render: " + fatal.stream()
                    .map(e -> "line " + e.getLineno() + ": " + e.getMessage())
                    .collect(Collectors.joining("; ")));
        }
    }

    /** An AddedToken is either its content or {@code {"content": ..., "special": ...}}. */
    private static String tokenContent(JsonNode token) {
        if (token == null || token.isNull()) return null;
        if (token.isTextual()) return token.asText();
        if (token.isObject() && token.hasNonNull("content")) return token.get("content").asText();
        return null;
    }

    private static String templateSource(JsonNode config, Path configPath, String name) {
        JsonNode template = config.get("chat_template");
        if (template != null && template.isTextual()) return template.asText();
        if (template != null && template.isArray()) {
            Map<String, String> named = new LinkedHashMap<>();
            template.forEach(t -> named.put(t.path("name").asText(), t.path("template").asText()));
            String chosen = named.get(name);
            if (chosen == null) {
                throw new ChatTemplateException("no chat template named '" + name + "' in " + configPath
                        + "; it has " + named.keySet());
            }
            return chosen;
        }
        Path jinja = configPath.resolveSibling("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Files.readString(jinja);
            } catch (IOException e) {
                throw new ChatTemplateException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        }
        throw new ChatTemplateException("no chat_template in " + configPath + " and no chat_template.jinja beside it"
                + " (base models have none: use an XTuner prompt template instead)");
    }
}

package org.jtuner.serve;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;

import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.vision.PixelValues;

/**
 * One OpenAI Chat Completions request, read into what generation needs: the prompt (system text, earlier rounds and
 * the last user message, each message's images placed before its text as {@code jtuner chat} places them) and the
 * generation settings. OpenAI's defaults apply where the request is silent (temperature 1, top_p 1, a random seed);
 * temperature 0 is greedy; {@code top_k} and {@code repetition_penalty} are accepted as vLLM accepts them.
 */
record ChatCompletionRequest(Prompt prompt, GenerationConfig config, boolean stream, boolean includeUsage) {
    static final int MAX_STOP_STRINGS = 4;

    static ChatCompletionRequest parse(JsonNode body, ServedModel model, ServeOptions options, ImageUrls imageUrls) {
        if (body == null || !body.isObject()) throw ApiException.badRequest(null, "the request body must be a JSON object");
        if (body.hasNonNull("model") && !body.get("model").asText().equals(model.id())) {
            throw new ApiException(404, "invalid_request_error", "model",
                    "the model " + body.get("model").asText() + " does not exist here; this server serves " + model.id() + " (see /v1/models)");
        }
        if (body.hasNonNull("n") && body.get("n").asInt(-1) != 1) throw ApiException.badRequest("n", "only n = 1 is supported");
        for (String unsupported : List.of("frequency_penalty", "presence_penalty")) {
            if (body.hasNonNull(unsupported) && body.get(unsupported).asDouble() != 0) {
                throw ApiException.badRequest(unsupported, unsupported + " is not supported (use repetition_penalty)");
            }
        }
        Conversation c = conversation(body.get("messages"), model, imageUrls);
        Prompt prompt;
        try {
            prompt = model.prompts().build(c.system, c.history, c.input, c.images);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("messages", e.getMessage());
        }
        return new ChatCompletionRequest(prompt, config(body, model, options), bool(body, "stream"),
                body.path("stream_options").path("include_usage").asBoolean(false));
    }

    private static GenerationConfig config(JsonNode body, ServedModel model, ServeOptions options) {
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, 0, 1);
        if (topP == 0) throw ApiException.badRequest("top_p", "top_p must be above 0");
        int topK = (int) number(body, "top_k", 0, -1, Integer.MAX_VALUE);
        double repetitionPenalty = number(body, "repetition_penalty", 1.0, 0, Double.MAX_VALUE);
        if (repetitionPenalty == 0) throw ApiException.badRequest("repetition_penalty", "repetition_penalty must be above 0");
        String tokensField = body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        int maxTokens = (int) number(body, tokensField, options.defaultMaxTokens(), 1, Integer.MAX_VALUE);
        boolean sample = temperature > 0;
        long seed = sample ? (body.hasNonNull("seed") ? seed(body.get("seed")) : ThreadLocalRandom.current().nextLong()) : 0;
        List<String> stops = new ArrayList<>(model.stopWords());
        stops.addAll(stopStrings(body.get("stop")));
        return new GenerationConfig(maxTokens, sample, sample ? temperature : 1.0, Math.max(0, topK), topP, repetitionPenalty,
                seed, model.eosIds(), stops);
    }

    /** The messages as system text, finished rounds and the last user message, with their images in order. */
    private record Conversation(String system, List<PromptBuilder.Exchange> history, String input, List<PixelValues> images) {}

    private static Conversation conversation(JsonNode messages, ServedModel model, ImageUrls imageUrls) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.badRequest("messages", "messages must be a non-empty array of {\"role\", \"content\"}");
        }
        StringBuilder system = new StringBuilder();
        List<String> roles = new ArrayList<>();
        List<StringBuilder> texts = new ArrayList<>();
        List<PixelValues> images = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String where = "messages[" + i + "]";
            String role = m.path("role").asText("");
            switch (role) {
                case "system", "developer" -> {
                    if (!roles.isEmpty()) throw ApiException.badRequest(where, "system messages go before the conversation");
                    if (!system.isEmpty()) system.append('\n');
                    system.append(content(m.get("content"), where, null, model, imageUrls));
                }
                case "user", "assistant" -> {
                    List<PixelValues> own = new ArrayList<>();
                    String text = content(m.get("content"), where, role.equals("user") ? own : null, model, imageUrls);
                    String withImages = PromptBuilder.IMAGE_PLACEHOLDER.concat("\n").repeat(own.size()) + text;
                    images.addAll(own);
                    if (!roles.isEmpty() && roles.getLast().equals(role)) {
                        texts.getLast().append('\n').append(withImages); // consecutive messages of one role are one turn
                    } else {
                        if (roles.isEmpty() && role.equals("assistant")) {
                            throw ApiException.badRequest(where, "the conversation must begin with a user message");
                        }
                        roles.add(role);
                        texts.add(new StringBuilder(withImages));
                    }
                }
                default -> throw ApiException.badRequest(where + ".role", "role must be system, user or assistant, got \"" + role + "\"");
            }
        }
        if (roles.isEmpty() || !roles.getLast().equals("user")) {
            throw ApiException.badRequest("messages", "the last message must be the user's");
        }
        List<PromptBuilder.Exchange> history = new ArrayList<>();
        for (int i = 0; i + 1 < texts.size(); i += 2) history.add(new PromptBuilder.Exchange(texts.get(i).toString(), texts.get(i + 1).toString()));
        return new Conversation(system.isEmpty() ? null : system.toString(), history, texts.getLast().toString(), images);
    }

    /** A message's text; its image parts decoded into {@code images} (null: images not allowed here). */
    private static String content(JsonNode content, String where, List<PixelValues> images, ServedModel model, ImageUrls imageUrls) {
        if (content == null || content.isNull()) return "";
        if (content.isTextual()) return content.asText();
        if (!content.isArray()) throw ApiException.badRequest(where + ".content", "content must be a string or an array of parts");
        StringBuilder text = new StringBuilder();
        for (int p = 0; p < content.size(); p++) {
            JsonNode part = content.get(p);
            String param = where + ".content[" + p + "]";
            switch (part.path("type").asText("")) {
                case "text" -> {
                    if (!text.isEmpty()) text.append('\n');
                    text.append(part.path("text").asText(""));
                }
                case "image_url" -> {
                    if (images == null) throw ApiException.badRequest(param, "images go in user messages");
                    if (!model.takesImages()) throw ApiException.badRequest(param, model.id() + " is a language model alone: it takes no images");
                    JsonNode url = part.get("image_url");
                    String u = url == null ? null : url.isTextual() ? url.asText() : url.path("url").asText(null);
                    images.add(model.imageProcessor().apply(imageUrls.load(u, param)));
                }
                default -> throw ApiException.badRequest(param + ".type", "a content part is {\"type\": \"text\"} or {\"type\": \"image_url\"}, got \""
                        + part.path("type").asText("") + "\"");
            }
        }
        return text.toString();
    }

    private static List<String> stopStrings(JsonNode stop) {
        if (stop == null || stop.isNull()) return List.of();
        if (stop.isTextual()) return List.of(stop.asText());
        if (!stop.isArray() || stop.size() > MAX_STOP_STRINGS) throw ApiException.badRequest("stop", "stop is a string or an array of at most 4 strings");
        List<String> out = new ArrayList<>();
        for (JsonNode s : stop) {
            if (!s.isTextual()) throw ApiException.badRequest("stop", "stop strings must be strings");
            out.add(s.asText());
        }
        return out;
    }

    private static double number(JsonNode body, String field, double otherwise, double min, double max) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return otherwise;
        if (!n.isNumber()) throw ApiException.badRequest(field, field + " must be a number");
        double v = n.asDouble();
        if (!(v >= min && v <= max)) throw ApiException.badRequest(field, field + " must be in [" + min + ", " + max + "], got " + v);
        return v;
    }

    private static long seed(JsonNode n) {
        if (!n.canConvertToLong()) throw ApiException.badRequest("seed", "seed must be an integer");
        return n.asLong();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw ApiException.badRequest(field, field + " must be true or false");
        return n.asBoolean();
    }
}

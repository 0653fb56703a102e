package org.jtuner.generate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.template.PromptTemplate;
import org.jtuner.text.template.Segment;
import org.jtuner.text.template.Turn;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.vision.PixelValues;
import org.jtuner.vision.mllama.TiledImage;

/**
 * Turns a conversation into a {@link Prompt}: rendered by an XTuner prompt template (history rounds laid out as
 * XTuner trains them: BOS, instruction, answer + SUFFIX, EOS, SEP; then the new instruction) or by the tokenizer's
 * own Jinja chat template (with the generation prompt). Every {@code <image>} in the text becomes the model's image
 * tokens; the images are given in the order of their placeholders.
 */
public final class PromptBuilder {
    public static final String IMAGE_PLACEHOLDER = "<image>";

    /** One finished round of a conversation. */
    public record Exchange(String user, String assistant) {}

    private final Tokenizer tokenizer;
    private final GenerationModel model;
    private final PromptTemplate template;   // one of template and chatTemplate
    private final ChatTemplate chatTemplate;
    private final int[] bos;
    private final int[] eos;

    private PromptBuilder(Tokenizer tokenizer, GenerationModel model, PromptTemplate template, ChatTemplate chatTemplate,
                          int[] bos, int[] eos) {
        this.tokenizer = tokenizer;
        this.model = model;
        this.template = template;
        this.chatTemplate = chatTemplate;
        this.bos = bos;
        this.eos = eos;
    }

    /** An XTuner template; {@code bos}/{@code eos} are the ids XTuner puts around rounds (see the data module's encoder). */
    public static PromptBuilder xtuner(Tokenizer tokenizer, GenerationModel model, PromptTemplate template, int[] bos, int[] eos) {
        return new PromptBuilder(tokenizer, model, template, null, bos, eos);
    }

    /** The tokenizer's chat template (tokenizer_config.json's {@code chat_template}). */
    public static PromptBuilder chatTemplate(Tokenizer tokenizer, GenerationModel model, ChatTemplate chatTemplate) {
        return new PromptBuilder(tokenizer, model, null, chatTemplate, new int[0], new int[0]);
    }

    /** The template's stop words (XTuner's STOP_WORDS; none for a chat template, whose end token stops). */
    public List<String> stopWords() {
        return template == null ? List.of() : template.stopWords();
    }

    /** The prompt for {@code input} after {@code history}, with {@code system} (null or "" for none) on the first round. */
    public Prompt build(String system, List<Exchange> history, String input, List<PixelValues> images) {
        if (model.mllama() != null) {
            throw new IllegalArgumentException("an mllama model takes tiled images: use buildTiled with its MllamaImageProcessor");
        }
        return new Prompt(ids(system, history, input, images.size()), images);
    }

    /**
     * As {@link #build} for an mllama (Llama-3.2-Vision) model: one {@code <|image|>} per image, the images tiled by
     * the model's MllamaImageProcessor. Through the chat template the messages are laid out as jtuner's mllama
     * training lays them out (MllamaChatEncoder): each {@code <image>} of a user message a {@code {"type": "image"}}
     * item, the stripped text around it {@code {"type": "text"}} items, other messages one text item.
     */
    public Prompt buildTiled(String system, List<Exchange> history, String input, List<TiledImage> images) {
        if (model.mllama() == null) throw new IllegalArgumentException("tiled images are for an mllama model");
        return Prompt.tiled(ids(system, history, input, images.size()), images);
    }

    private int[] ids(String system, List<Exchange> history, String input, int images) {
        List<Integer> ids = new ArrayList<>();
        if (template != null) {
            List<Turn> turns = history.stream().map(e -> Turn.of(e.user(), e.assistant())).toList();
            for (Segment s : template.render(turns, system)) {
                switch (s.kind()) {
                    case BOS -> { for (int id : bos) ids.add(id); }
                    case EOS -> { for (int id : eos) ids.add(id); }
                    default -> addText(ids, s.text());
                }
            }
            boolean first = history.isEmpty();
            if (first || !template.suffixAsEos()) for (int id : bos) ids.add(id);
            String head = first && system != null && !system.isEmpty() ? template.formatSystem(system) : "";
            addText(ids, head + template.formatInstruction(input, history.size() + 1));
        } else if (model.mllama() != null) {
            List<Map<String, Object>> messages = new ArrayList<>();
            if (system != null && !system.isEmpty()) messages.add(textMessage("system", system));
            for (Exchange e : history) {
                messages.add(userContent(e.user()));
                messages.add(textMessage("assistant", e.assistant()));
            }
            messages.add(userContent(input));
            // special tokens in the rendered text (<|image|>, headers) are recognised by encode
            for (int id : tokenizer.encode(chatTemplate.render(messages, true), false)) ids.add(id);
        } else {
            List<Map<String, Object>> messages = new ArrayList<>();
            if (system != null && !system.isEmpty()) messages.add(message("system", system));
            for (Exchange e : history) {
                messages.add(message("user", e.user()));
                messages.add(message("assistant", e.assistant()));
            }
            messages.add(message("user", input));
            addText(ids, chatTemplate.render(messages, true));
        }
        int[] out = ids.stream().mapToInt(Integer::intValue).toArray();
        long placeholders = ids.stream().filter(id -> id == model.imageTokenIndex()).count() / Math.max(1, model.tokensPerImage());
        if (placeholders != images) {
            throw new IllegalArgumentException("the conversation has " + placeholders + " " + IMAGE_PLACEHOLDER
                    + " placeholder(s) but " + images + " image(s) were given: give one image per " + IMAGE_PLACEHOLDER);
        }
        return out;
    }

    /**
     * An mllama user message as MllamaChatEncoder makes it: {@code <image>} → an image item, the text between (stripped as Python strips) → text items.
     */
    private static Map<String, Object> userContent(String input) {
        // XTuner's llava_map_fn (LlavaMapFn), which training applies first: a single <image> moves to the front
        if (input.split(IMAGE_PLACEHOLDER, -1).length == 2) {
            input = pythonStrip(IMAGE_PLACEHOLDER + "\n" + pythonStrip(input.replace(IMAGE_PLACEHOLDER, "")));
        }
        List<Map<String, Object>> content = new ArrayList<>();
        String[] pieces = input.split(IMAGE_PLACEHOLDER, -1);
        for (int i = 0; i < pieces.length; i++) {
            if (i > 0) content.add(Map.of("type", "image"));
            String text = pythonStrip(pieces[i]);
            if (!text.isEmpty()) content.add(Map.of("type", "text", "text", text));
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "user");
        m.put("content", content);
        return m;
    }

    private static Map<String, Object> textMessage(String role, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", List.of(Map.of("type", "text", "text", text)));
        return m;
    }

    /** Python's str.strip() (as jtuner-data's LlavaMapFn.pythonStrip, so prompts match training). */
    private static String pythonStrip(String s) {
        int b = 0, e = s.length();
        while (b < e && isPythonSpace(s.charAt(b))) b++;
        while (e > b && isPythonSpace(s.charAt(e - 1))) e--;
        return s.substring(b, e);
    }

    /** Python's isspace for one BMP character. */
    private static boolean isPythonSpace(char c) {
        if (c >= 0x09 && c <= 0x0D || c >= 0x1C && c <= 0x20) return true;
        if (c < 0x85) return false;
        return c == 0x85 || c == 0xA0 || c == 0x1680 || c >= 0x2000 && c <= 0x200A || c == 0x2028 || c == 0x2029
                || c == 0x202F || c == 0x205F || c == 0x3000;
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** Text, with each {@code <image>} expanded to the model's image tokens (a language model alone keeps it as text). */
    private void addText(List<Integer> ids, String text) {
        if (!model.takesImages()) {
            for (int id : tokenizer.encode(text, false)) ids.add(id);
            return;
        }
        String[] pieces = text.split(IMAGE_PLACEHOLDER, -1);
        for (int i = 0; i < pieces.length; i++) {
            if (i > 0) for (int k = 0; k < model.tokensPerImage(); k++) ids.add(model.imageTokenIndex());
            if (!pieces[i].isEmpty()) for (int id : tokenizer.encode(pieces[i], false)) ids.add(id);
        }
    }
}

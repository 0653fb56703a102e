package org.jtuner.data.mllama;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jtuner.data.EncodedSample;
import org.jtuner.data.LlavaMapFn;
import org.jtuner.data.Problem;
import org.jtuner.data.ProblemKind;
import org.jtuner.data.RawSample;
import org.jtuner.data.SourceRef;
import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.template.Turn;
import org.jtuner.text.tokenizer.Tokenizer;

/**
 * Encodes a LLaVA-format row (LLaVA-CoT's rows are the same format) for an mllama model through the tokenizer's
 * own chat template, the way Llama-3.2-Vision is prompted: each {@code <image>} of a human turn becomes a
 * {@code {"type": "image"}} content item (the template writes {@code <|image|>}, one token per image, not
 * expanded), the text around it a {@code {"type": "text"}} item; answers are {@code {"type": "text"}} items.
 *
 * <p>Labels on answers only: the conversation is rendered prefix by prefix, and what an assistant message adds
 * after the generation prompt (the answer and the template's end of turn, e.g. {@code <|eot_id|>}) is trained; the
 * rest (BOS, headers, questions, image tokens) is not. Each piece is tokenized on its own without added special
 * tokens (special tokens in the text are recognised), so the template must be prefix-stable, which chat templates
 * are by design; one that is not is refused with the sample named. Cut at {@code maxLength}; images whose
 * {@code <|image|>} is cut off are dropped from the sample.
 */
public final class MllamaChatEncoder {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final int imageTokenId;
    private final int maxLength;
    private final Path imageFolder;

    /** @param imageFolder where the rows' image paths are relative to; null: the folder of the data file */
    public MllamaChatEncoder(Tokenizer tokenizer, ChatTemplate template, int imageTokenId, int maxLength, Path imageFolder) {
        if (maxLength <= 0) throw new IllegalArgumentException("max_length must be positive, got " + maxLength);
        this.tokenizer = tokenizer;
        this.template = template;
        this.imageTokenId = imageTokenId;
        this.maxLength = maxLength;
        this.imageFolder = imageFolder;
    }

    /** The sample, or the problem that drops it ({@code problem} may also note a truncation of a kept sample). */
    public record Result(EncodedSample sample, Problem problem) {
        public boolean kept() {
            return sample != null;
        }
    }

    public Result encode(RawSample row) {
        LlavaMapFn.Mapped mapped = LlavaMapFn.map(row);
        if (!mapped.ok()) return new Result(null, mapped.problem());
        if (mapped.turns().isEmpty()) {
            return new Result(null, new Problem(ProblemKind.NO_TRAINED_TOKEN, row.source(), "no gpt answer after a human turn"));
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        List<Boolean> trained = new ArrayList<>();
        String rendered = "";
        for (Turn turn : mapped.turns()) {
            if (turn.system() != null && !turn.system().isEmpty()) messages.add(message("system", turn.system()));
            messages.add(userMessage(turn.input()));
            String prompt = render(row.source(), messages, true);
            append(row.source(), rendered, prompt, false, ids, trained);
            messages.add(message("assistant", turn.output()));
            String full = render(row.source(), messages, false);
            append(row.source(), prompt, full, turn.outputWithLoss(), ids, trained);
            rendered = full;
        }
        int images = 0;
        for (int id : ids) if (id == imageTokenId) images++;
        if (images != row.images().size()) {
            return new Result(null, new Problem(ProblemKind.IMAGE_COUNT_MISMATCH, row.source(), images
                    + " <|image|> token(s) after the chat template but " + row.images().size() + " image(s)"));
        }
        Problem note = null;
        int keep = ids.size();
        if (keep > maxLength) {
            note = new Problem(ProblemKind.TRUNCATED, row.source(), keep + " tokens cut to max_length " + maxLength);
            keep = maxLength;
        }
        int[] inputIds = new int[keep], labels = new int[keep];
        int kept = 0, trainedCount = 0;
        for (int i = 0; i < keep; i++) {
            inputIds[i] = ids.get(i);
            boolean t = trained.get(i) && inputIds[i] != imageTokenId;
            labels[i] = t ? inputIds[i] : EncodedSample.IGNORE_INDEX;
            if (t) trainedCount++;
            if (inputIds[i] == imageTokenId) kept++;
        }
        if (trainedCount == 0) {
            return new Result(null, new Problem(ProblemKind.NO_TRAINED_TOKEN, row.source(), note != null
                    ? "truncation to max_length " + maxLength + " leaves no answer token" : "no answer token to train on"));
        }
        int[] positions = new int[kept];
        List<Path> paths = new ArrayList<>(kept);
        for (int i = 0, k = 0; i < keep; i++) {
            if (inputIds[i] == imageTokenId) {
                positions[k] = i;
                paths.add(resolveImage(row.source(), row.images().get(k)));
                k++;
            }
        }
        return new Result(new EncodedSample(row.source(), inputIds, labels, positions, paths, note != null), note);
    }

    /** Where a row's image path points: under the image folder, or beside the data file when there is none. */
    public Path resolveImage(SourceRef source, String image) {
        Path base = imageFolder != null ? imageFolder : source.file().toAbsolutePath().getParent();
        return base == null ? Path.of(image) : base.resolve(image);
    }

    /** A human turn's text as content items: {@code <image>} → an image item, the text between → text items. */
    static Map<String, Object> userMessage(String input) {
        List<Map<String, Object>> content = new ArrayList<>();
        int from = 0;
        String marker = LlavaMapFn.IMAGE_PLACEHOLDER;
        for (int i = input.indexOf(marker); i >= 0; i = input.indexOf(marker, from)) {
            addText(content, input.substring(from, i));
            content.add(Map.of("type", "image"));
            from = i + marker.length();
        }
        addText(content, input.substring(from));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", "user");
        m.put("content", content);
        return m;
    }

    private static void addText(List<Map<String, Object>> content, String text) {
        String t = LlavaMapFn.pythonStrip(text);
        if (!t.isEmpty()) content.add(Map.of("type", "text", "text", t));
    }

    private static Map<String, Object> message(String role, String text) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", List.of(Map.of("type", "text", "text", text)));
        return m;
    }

    private String render(SourceRef source, List<Map<String, Object>> messages, boolean generationPrompt) {
        try {
            return template.render(messages, generationPrompt);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": the chat template failed: " + e.getMessage(), e);
        }
    }

    private void append(SourceRef source, String before, String after, boolean train, List<Integer> ids, List<Boolean> trained) {
        if (!after.startsWith(before)) {
            throw new IllegalArgumentException(source + ": the chat template is not prefix-stable (rendering one more "
                    + "message changes the text before it), so answers cannot be told from prompts; use a template "
                    + "that renders each message independently");
        }
        for (int id : tokenizer.encode(after.substring(before.length()), false)) {
            ids.add(id);
            trained.add(train);
        }
    }
}

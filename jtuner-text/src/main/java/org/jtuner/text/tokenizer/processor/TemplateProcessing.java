package org.jtuner.text.tokenizer.processor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import org.jtuner.text.tokenizer.util.IntList;
import org.jtuner.text.tokenizer.util.JsonSpec;

/**
 * Places the sequence among special tokens following the {@code "single"} template, e.g. Llama 2's
 * {@code <s> $A}. Special tokens are only added when asked for.
 */
public final class TemplateProcessing implements PostProcessor {
    /** A template piece: either the sequence itself or special token ids with their strings. */
    public sealed interface Piece permits Sequence, Special {}

    public record Sequence() implements Piece {}

    public record Special(int[] ids, List<String> tokens) implements Piece {}

    public static final Sequence SEQUENCE = new Sequence();

    private final List<Piece> single;

    public TemplateProcessing(List<Piece> single) {
        this.single = List.copyOf(single);
    }

    public static TemplateProcessing fromJson(JsonSpec spec) {
        Map<String, Special> specials = new HashMap<>();
        JsonNode specialTokens = spec.node().get("special_tokens");
        if (specialTokens != null && specialTokens.isObject()) {
            specialTokens.properties().forEach(e -> {
                JsonNode ids = e.getValue().get("ids"), tokens = e.getValue().get("tokens");
                if (ids == null || !ids.isArray() || tokens == null || !tokens.isArray() || ids.size() != tokens.size()) {
                    throw spec.error("special_tokens." + e.getKey() + " must have 'ids' and 'tokens' arrays of equal length");
                }
                int[] idArray = new int[ids.size()];
                List<String> tokenList = new ArrayList<>();
                for (int i = 0; i < ids.size(); i++) {
                    idArray[i] = ids.get(i).intValue();
                    tokenList.add(tokens.get(i).asText());
                }
                specials.put(e.getKey(), new Special(idArray, List.copyOf(tokenList)));
            });
        }
        List<Piece> pieces = new ArrayList<>();
        for (JsonSpec piece : spec.list("single")) pieces.add(piece(piece, specials));
        return new TemplateProcessing(pieces);
    }

    /** {@code {"Sequence": {"id": "A"}}}, {@code {"SpecialToken": {"id": "<s>"}}}, or the string forms "$A" / "<s>". */
    private static Piece piece(JsonSpec spec, Map<String, Special> specials) {
        JsonNode n = spec.node();
        String specialName;
        if (n.isTextual()) {
            String s = n.asText().replaceFirst(":\\d+$", "");
            if (s.startsWith("$")) return SEQUENCE;
            specialName = s;
        } else if (n.has("Sequence")) {
            return SEQUENCE;
        } else if (n.has("SpecialToken")) {
            specialName = n.get("SpecialToken").path("id").asText();
        } else {
            throw spec.error("template piece must be {\"Sequence\": ...} or {\"SpecialToken\": ...}, found " + n);
        }
        Special special = specials.get(specialName);
        if (special == null) throw spec.error("special token '" + specialName + "' is not listed in special_tokens");
        return special;
    }

    @Override
    public Encoded process(Encoded sequence, boolean addSpecialTokens) {
        if (!addSpecialTokens) return sequence;
        IntList ids = new IntList(sequence.ids().length + 4);
        List<String> tokens = sequence.tokens() == null ? null : new ArrayList<>(sequence.tokens().size() + 4);
        for (Piece p : single) {
            switch (p) {
                case Sequence s -> {
                    ids.addAll(sequence.ids());
                    if (tokens != null) tokens.addAll(sequence.tokens());
                }
                case Special s -> {
                    ids.addAll(s.ids());
                    if (tokens != null) tokens.addAll(s.tokens());
                }
            }
        }
        return new Encoded(ids.toArray(), tokens);
    }
}

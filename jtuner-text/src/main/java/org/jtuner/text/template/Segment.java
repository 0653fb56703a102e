package org.jtuner.text.template;

import java.util.List;
import java.util.Objects;

/**
 * One piece of a conversation as XTuner's {@code encode_fn} tokenizes it: each segment is encoded on its
 * own ({@code tokenizer.encode(text, add_special_tokens=False)}), and its tokens are labelled with
 * themselves when {@code trained}, else with -100.
 *
 * <p>{@link Kind#BOS} and {@link Kind#EOS} carry no text: they stand for the tokenizer's BOS and EOS
 * token ids (what {@code get_bos_eos_token_ids} returns; for Qwen tokenizers BOS is no token at all).
 */
public record Segment(Kind kind, String text, boolean trained) {

    public enum Kind {
        /** The BOS token(s), before the first turn and after every EOS. Never trained. */
        BOS,
        /** System and instruction text of a turn. Never trained. */
        INPUT,
        /** The answer, with the template's SUFFIX. Trained unless the turn says otherwise. */
        OUTPUT,
        /** The EOS token(s) after an answer, for templates whose SUFFIX does not end the turn. Trained with the answer. */
        EOS,
        /** The separator between turns. Never trained. */
        SEP
    }

    public Segment {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(text, "text");
        if ((kind == Kind.BOS || kind == Kind.EOS) && !text.isEmpty()) {
            throw new IllegalArgumentException(kind + " segments carry no text");
        }
    }

    static Segment bos() {
        return new Segment(Kind.BOS, "", false);
    }

    static Segment input(String text) {
        return new Segment(Kind.INPUT, text, false);
    }

    static Segment output(String text, boolean trained) {
        return new Segment(Kind.OUTPUT, text, trained);
    }

    static Segment eos(boolean trained) {
        return new Segment(Kind.EOS, "", trained);
    }

    static Segment sep(String text) {
        return new Segment(Kind.SEP, text, false);
    }

    /** The whole conversation as text, with BOS and EOS spelled as given (for logs and tests). */
    public static String join(List<Segment> segments, String bos, String eos) {
        StringBuilder out = new StringBuilder();
        for (Segment s : segments) {
            out.append(switch (s.kind) {
                case BOS -> bos;
                case EOS -> eos;
                default -> s.text;
            });
        }
        return out.toString();
    }
}

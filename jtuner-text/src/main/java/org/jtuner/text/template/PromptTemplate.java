package org.jtuner.text.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A prompt template of XTuner ({@code xtuner/utils/templates.py}, {@code PROMPT_TEMPLATE}): the same six
 * fields, with the same meaning and defaults.
 *
 * @param system      SYSTEM, with a {@code {system}} field; null when the template has none
 * @param instruction INSTRUCTION, with {@code {input}} and optionally {@code {round}} (1-based)
 * @param suffix      SUFFIX appended to every answer ("" when absent)
 * @param suffixAsEos SUFFIX_AS_EOS: the suffix ends the turn, so no EOS token follows the answer and no BOS
 *                    token precedes the next turn (false when absent)
 * @param sep         SEP between rounds, also after the last one ("" when absent)
 * @param stopWords   STOP_WORDS for generation (empty when absent)
 */
public record PromptTemplate(
        String system, String instruction, String suffix, boolean suffixAsEos, String sep, List<String> stopWords) {

    public PromptTemplate {
        Objects.requireNonNull(instruction, "a prompt template needs an INSTRUCTION");
        suffix = suffix == null ? "" : suffix;
        sep = sep == null ? "" : sep;
        stopWords = stopWords == null ? List.of() : List.copyOf(stopWords);
    }

    /**
     * A template written as XTuner writes it: a dict with the keys SYSTEM, INSTRUCTION, SUFFIX,
     * SUFFIX_AS_EOS, SEP, STOP_WORDS (e.g. read from a config file).
     */
    public static PromptTemplate fromXtuner(Map<String, ?> dict) {
        for (String key : dict.keySet()) {
            if (!List.of("SYSTEM", "INSTRUCTION", "SUFFIX", "SUFFIX_AS_EOS", "SEP", "STOP_WORDS").contains(key)) {
                throw new IllegalArgumentException("unknown prompt template key '" + key
                        + "' (XTuner's keys: SYSTEM, INSTRUCTION, SUFFIX, SUFFIX_AS_EOS, SEP, STOP_WORDS)");
            }
        }
        Object stop = dict.get("STOP_WORDS");
        if (stop != null && !(stop instanceof List<?>)) throw new IllegalArgumentException("STOP_WORDS must be a list, got " + stop);
        List<String> stopWords = new ArrayList<>();
        if (stop instanceof List<?> list) list.forEach(w -> stopWords.add(String.valueOf(w)));
        Object asEos = dict.get("SUFFIX_AS_EOS");
        if (asEos != null && !(asEos instanceof Boolean)) throw new IllegalArgumentException("SUFFIX_AS_EOS must be true or false, got " + asEos);
        return new PromptTemplate(
                text(dict, "SYSTEM"), text(dict, "INSTRUCTION"), text(dict, "SUFFIX"),
                Boolean.TRUE.equals(asEos), text(dict, "SEP"), stopWords);
    }

    private static String text(Map<String, ?> dict, String key) {
        Object value = dict.get(key);
        if (value == null || value instanceof String) return (String) value;
        throw new IllegalArgumentException(key + " must be a string, got " + value);
    }

    public boolean hasSystem() {
        return system != null;
    }

    /** {@code SYSTEM.format(system=text)}. */
    public String formatSystem(String text) {
        if (system == null) {
            throw new IllegalStateException("this prompt template has no SYSTEM, so it cannot take a system text");
        }
        return PythonFormat.format(system, List.of(), Map.of("system", text));
    }

    /** {@code INSTRUCTION.format(input=input, round=round)}; rounds count from 1. */
    public String formatInstruction(String input, int round) {
        return PythonFormat.format(instruction, List.of(), Map.of("input", input, "round", round));
    }

    /**
     * The prompt text of one round as XTuner's chat builds it for generation: the formatted system text
     * (when one is given) followed by the formatted instruction.
     */
    public String prompt(String systemText, String input, int round) {
        String head = systemText == null || systemText.isEmpty() ? "" : formatSystem(systemText);
        return head + formatInstruction(input, round);
    }

    /** As {@link #render(List)}, with {@code system} (when not empty) on the first round. */
    public List<Segment> render(List<Turn> conversation, String system) {
        if (system == null || system.isEmpty() || conversation.isEmpty()) return render(conversation);
        List<Turn> turns = new ArrayList<>(conversation);
        turns.set(0, turns.getFirst().withSystem(system));
        return render(turns);
    }

    /**
     * The segments of a conversation, exactly as XTuner's {@code template_map_fn} followed by
     * {@code encode_fn} lays them out. For round {@code i} (1-based):
     * <ol>
     *   <li>BOS, for the first round and for every round after an EOS;</li>
     *   <li>INPUT: {@code SYSTEM.format(system)} when the round has a system text, then
     *       {@code INSTRUCTION.format(input, round=i)};</li>
     *   <li>OUTPUT: the answer followed by SUFFIX;</li>
     *   <li>EOS, unless SUFFIX_AS_EOS (then the suffix ends the turn and the next round gets no BOS);</li>
     *   <li>SEP, when not empty, after every round including the last.</li>
     * </ol>
     */
    public List<Segment> render(List<Turn> conversation) {
        List<Segment> out = new ArrayList<>();
        boolean needsBos = true;
        for (int i = 0; i < conversation.size(); i++) {
            Turn turn = conversation.get(i);
            if (needsBos) out.add(Segment.bos());
            String input = formatInstruction(turn.input(), i + 1);
            if (!turn.system().isEmpty()) input = formatSystem(turn.system()) + input;
            out.add(Segment.input(input));
            out.add(Segment.output(turn.output() + suffix, turn.outputWithLoss()));
            if (!suffixAsEos) out.add(Segment.eos(turn.outputWithLoss()));
            needsBos = !suffixAsEos;
            if (!sep.isEmpty()) out.add(Segment.sep(sep));
        }
        return out;
    }
}

package org.jtuner.text.augment;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.random.RandomGenerator;

import net.sf.extjwnl.data.POS;

import org.jtuner.text.cot.CotStages;

/**
 * Text augmentation of one question and its (LLaVA-CoT) answer, in this order: a question rewording (prefix or
 * suffix), multiple-choice option shuffling with the answer letter relabelled, then WordNet synonym replacement
 * of a share of the content words. Never touched by synonyms: the stage tags, {@code <image>}, numbers, quoted
 * text, single letters (option letters), the options themselves and everything inside {@code <CONCLUSION>}.
 */
public final class TextAugmenter {
    /** One word replaced: where (in the output text), what it was, what it became, and its part of speech. */
    public record Replacement(boolean inAnswer, int start, String from, String to, POS pos) {}

    /** The augmented texts; {@code optionOrder[j]} is the original index of the option now at position j (null: not shuffled). */
    public record Result(String question, String answer, List<Replacement> replacements, int[] optionOrder) {}

    /** An option of a multiple-choice question: its letter's position and the span of its text. */
    public record Option(char letter, int markerStart, int textStart, int textEnd) {}

    private static final Pattern PROTECTED = Pattern.compile(
            "</?(?:SUMMARY|CAPTION|REASONING|CONCLUSION)>|<image>|\\d+(?:[.,:/]\\d+)*|\"[^\"\\n]*\"|\u201c[^\u201d]*\u201d"
                    + "|(?<![A-Za-z])[A-Za-z](?![A-Za-z])");
    private static final Pattern WORD = Pattern.compile("(?<![A-Za-z'\u2019-])[a-z]{3,}(?![A-Za-z'\u2019-])");
    private static final Pattern OPTION_MARKER = Pattern.compile("(?<![A-Za-z0-9])\\(?([A-H])[.:)]\\s+");
    private static final Pattern ANSWER_LETTER = Pattern.compile("^[\\s*\"'(]*([A-H])(?![A-Za-z])");
    private static final Pattern LETTER_MENTION = Pattern.compile("(?i:option|choice|answer)\\s+(?:is\\s+)?\\(?([A-H])(?![A-Za-z])");

    private final TextAugmentConfig config;
    private final WordNetSynonyms wordNet;

    public TextAugmenter(TextAugmentConfig config) {
        this.config = config;
        this.wordNet = config.synonymFraction() > 0 ? WordNetSynonyms.get() : null;
    }

    public Result augment(String question, String answer, RandomGenerator rng) {
        String q = question, a = answer;
        if (config.rewordP() > 0 && rng.nextDouble() < config.rewordP()) q = reword(q, rng);
        int[] order = null;
        if (config.optionShuffleP() > 0 && rng.nextDouble() < config.optionShuffleP()) {
            String[] shuffled = shuffleOptions(q, a, rng);
            if (shuffled != null) {
                q = shuffled[0];
                a = shuffled[1];
                order = parseOrder(shuffled[2]);
            }
        }
        List<Replacement> replacements = new ArrayList<>();
        if (wordNet != null) {
            q = replaceSynonyms(q, protectedMask(q, true), false, rng, replacements);
            a = replaceSynonyms(a, protectedMask(a, false), true, rng, replacements);
        }
        return new Result(q, a, List.copyOf(replacements), order);
    }

    private String reword(String q, RandomGenerator rng) {
        int n = config.prefixes().size() + config.suffixes().size();
        int pick = rng.nextInt(n);
        if (pick < config.prefixes().size()) {
            String prefix = config.prefixes().get(pick);
            String sep = prefix.endsWith(" ") || prefix.endsWith("\n") ? "" : " ";
            if (q.startsWith("<image>\n")) return "<image>\n" + prefix + sep + q.substring("<image>\n".length());
            return prefix + sep + q;
        }
        return q + "\n" + config.suffixes().get(pick - config.prefixes().size());
    }

    // ------------------------------------------------------------------ options

    /** The options A, B, C ... of a question (at least two, consecutive letters from A), or an empty list. */
    public static List<Option> options(String question) {
        Matcher m = OPTION_MARKER.matcher(question);
        List<int[]> markers = new ArrayList<>(); // letter, start, end
        while (m.find()) markers.add(new int[] {m.group(1).charAt(0), m.start(), m.end()});
        // the last run of consecutive letters starting at A
        List<int[]> run = new ArrayList<>();
        for (int[] mk : markers) {
            if (mk[0] == 'A') {
                run = new ArrayList<>();
                run.add(mk);
            } else if (!run.isEmpty() && mk[0] == run.getLast()[0] + 1) {
                run.add(mk);
            }
        }
        if (run.size() < 2) return List.of();
        List<Option> out = new ArrayList<>();
        for (int i = 0; i < run.size(); i++) {
            int textStart = run.get(i)[2];
            int textEnd;
            if (i + 1 < run.size()) {
                textEnd = run.get(i + 1)[1];
                while (textEnd > textStart && ",; \t\n".indexOf(question.charAt(textEnd - 1)) >= 0) textEnd--;
            } else {
                int nl = question.indexOf('\n', textStart);
                textEnd = nl < 0 ? question.length() : nl;
                while (textEnd > textStart && Character.isWhitespace(question.charAt(textEnd - 1))) textEnd--;
            }
            if (textEnd <= textStart) return List.of();
            out.add(new Option((char) run.get(i)[0], run.get(i)[1], textStart, textEnd));
        }
        return out;
    }

    /** The answer letter at the start of the conclusion, or -1. */
    public static int answerLetter(String answer) {
        String conclusion = CotStages.conclusionOf(answer);
        if (conclusion == null) return -1;
        Matcher m = ANSWER_LETTER.matcher(conclusion);
        return m.find() ? m.group(1).charAt(0) : -1;
    }

    /** {question, answer, order as text} with the options permuted and the answer's letters relabelled, or null. */
    private static String[] shuffleOptions(String q, String a, RandomGenerator rng) {
        List<Option> opts = options(q);
        int letter = answerLetter(a);
        if (opts.isEmpty() || letter < 'A' || letter - 'A' >= opts.size()) return null;
        int n = opts.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int k = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[k];
            order[k] = t;
        }
        StringBuilder nq = new StringBuilder();
        int at = 0;
        for (int j = 0; j < n; j++) {
            Option slot = opts.get(j), moved = opts.get(order[j]);
            nq.append(q, at, slot.textStart()).append(q, moved.textStart(), moved.textEnd());
            at = slot.textEnd();
        }
        nq.append(q.substring(at));
        int[] newLetter = new int[n]; // old index -> new letter
        for (int j = 0; j < n; j++) newLetter[order[j]] = 'A' + j;
        String na = relabel(a, newLetter);
        StringBuilder o = new StringBuilder();
        for (int v : order) o.append(v).append(',');
        return new String[] {nq.toString(), na, o.toString()};
    }

    /** The answer with the conclusion's leading letter and "option X" mentions mapped to their new letters. */
    private static String relabel(String a, int[] newLetter) {
        StringBuilder out = new StringBuilder(a);
        List<int[]> edits = new ArrayList<>(); // position, new char
        int open = a.indexOf(CotStages.Stage.CONCLUSION.open());
        if (open >= 0) {
            int from = open + CotStages.Stage.CONCLUSION.open().length();
            Matcher m = ANSWER_LETTER.matcher(a).region(from, a.length());
            // ANSWER_LETTER is anchored at ^ of the region
            if (m.useAnchoringBounds(true).find()) edits.add(new int[] {m.start(1), a.charAt(m.start(1))});
        }
        Matcher mention = LETTER_MENTION.matcher(a);
        while (mention.find()) edits.add(new int[] {mention.start(1), a.charAt(mention.start(1))});
        for (int[] e : edits) {
            int old = e[1] - 'A';
            if (old >= 0 && old < newLetter.length) out.setCharAt(e[0], (char) newLetter[old]);
        }
        return out.toString();
    }

    private static int[] parseOrder(String s) {
        String[] parts = s.split(",");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i]);
        return out;
    }

    // ------------------------------------------------------------------ synonyms

    /** Characters synonym replacement must not touch. */
    public static BitSet protectedMask(String text, boolean isQuestion) {
        BitSet mask = new BitSet(text.length());
        Matcher m = PROTECTED.matcher(text);
        while (m.find()) mask.set(m.start(), m.end());
        if (isQuestion) {
            List<Option> opts = options(text);
            if (!opts.isEmpty()) mask.set(opts.getFirst().markerStart(), opts.getLast().textEnd());
        } else {
            int open = text.indexOf(CotStages.Stage.CONCLUSION.open());
            if (open >= 0) {
                int close = text.indexOf(CotStages.Stage.CONCLUSION.close(), open);
                mask.set(open, close < 0 ? text.length() : close + CotStages.Stage.CONCLUSION.close().length());
            }
        }
        return mask;
    }

    private String replaceSynonyms(String text, BitSet mask, boolean inAnswer, RandomGenerator rng, List<Replacement> log) {
        List<int[]> spans = new ArrayList<>();
        List<WordNetSynonyms.Entry> entries = new ArrayList<>();
        Matcher m = WORD.matcher(text);
        while (m.find()) {
            if (mask.get(m.start(), m.end()).cardinality() > 0) continue;
            WordNetSynonyms.Entry e = wordNet.lookup(m.group());
            if (e.synonyms().isEmpty()) continue;
            spans.add(new int[] {m.start(), m.end()});
            entries.add(e);
        }
        if (spans.isEmpty()) return text;
        int n = Math.max(1, (int) Math.round(config.synonymFraction() * spans.size()));
        int[] idx = new int[spans.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        for (int i = 0; i < n; i++) { // partial Fisher-Yates: n distinct words
            int k = i + rng.nextInt(idx.length - i);
            int t = idx[i];
            idx[i] = idx[k];
            idx[k] = t;
        }
        int[] chosen = java.util.Arrays.copyOf(idx, n);
        java.util.Arrays.sort(chosen);
        StringBuilder out = new StringBuilder();
        int at = 0;
        for (int c : chosen) {
            int[] span = spans.get(c);
            List<String> syn = entries.get(c).synonyms();
            String to = syn.get(rng.nextInt(syn.size()));
            out.append(text, at, span[0]);
            log.add(new Replacement(inAnswer, out.length(), text.substring(span[0], span[1]), to, entries.get(c).pos()));
            out.append(to);
            at = span[1];
        }
        return out.append(text.substring(at)).toString();
    }
}

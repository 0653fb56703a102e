package org.jtuner.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * VQAv2's answer scoring, as the official evaluation (VQAEval in GT-Vision-Lab/VQA's vqaEval.py, its latest version)
 * does it, quirks included: answers are stripped (newlines and tabs as spaces); only when the humans' answers are
 * not all the same are they and the prediction normalised (punctuation, then number words to digits, articles
 * dropped, contractions restored); the accuracy is the mean, over leaving out each human answer in turn, of
 * min(1, matching others / 3). The punctuation rule checks the original text (a mark next to a space, or any
 * digit-comma-digit, removes that mark everywhere, else it becomes a space), and at most 32 periods not followed by
 * a digit are removed (the official code passes re.UNICODE, 32, where re.sub takes its count).
 */
public final class VqaScoring {
    private static final List<String> PUNCT = List.of(";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+", "\\",
            "_", "-", ">", "<", "@", "`", ",", "?", "!");
    private static final Pattern COMMA_STRIP = Pattern.compile("(\\d)(,)(\\d)");
    private static final Pattern PERIOD_STRIP = Pattern.compile("\\.(?!\\d)");
    private static final int PERIOD_STRIP_COUNT = 32;
    private static final Map<String, String> NUMBERS = Map.ofEntries(Map.entry("none", "0"), Map.entry("zero", "0"),
            Map.entry("one", "1"), Map.entry("two", "2"), Map.entry("three", "3"), Map.entry("four", "4"),
            Map.entry("five", "5"), Map.entry("six", "6"), Map.entry("seven", "7"), Map.entry("eight", "8"),
            Map.entry("nine", "9"), Map.entry("ten", "10"));
    private static final Set<String> ARTICLES = Set.of("a", "an", "the");
    private static final Map<String, String> CONTRACTIONS = pairs(
            "aint", "ain't", "arent", "aren't", "cant", "can't", "couldve", "could've", "couldnt", "couldn't",
            "couldn'tve", "couldn't've", "couldnt've", "couldn't've", "didnt", "didn't", "doesnt", "doesn't",
            "dont", "don't", "hadnt", "hadn't", "hadnt've", "hadn't've", "hadn'tve", "hadn't've", "hasnt", "hasn't",
            "havent", "haven't", "hed", "he'd", "hed've", "he'd've", "he'dve", "he'd've", "hes", "he's",
            "howd", "how'd", "howll", "how'll", "hows", "how's", "Id've", "I'd've", "I'dve", "I'd've", "Im", "I'm",
            "Ive", "I've", "isnt", "isn't", "itd", "it'd", "itd've", "it'd've", "it'dve", "it'd've", "itll", "it'll",
            "let's", "let's", "maam", "ma'am", "mightnt", "mightn't", "mightnt've", "mightn't've",
            "mightn'tve", "mightn't've", "mightve", "might've", "mustnt", "mustn't", "mustve", "must've",
            "neednt", "needn't", "notve", "not've", "oclock", "o'clock", "oughtnt", "oughtn't",
            "ow's'at", "'ow's'at", "'ows'at", "'ow's'at", "'ow'sat", "'ow's'at", "shant", "shan't",
            "shed've", "she'd've", "she'dve", "she'd've", "she's", "she's", "shouldve", "should've",
            "shouldnt", "shouldn't", "shouldnt've", "shouldn't've", "shouldn'tve", "shouldn't've",
            "somebody'd", "somebodyd", "somebodyd've", "somebody'd've", "somebody'dve", "somebody'd've",
            "somebodyll", "somebody'll", "somebodys", "somebody's", "someoned", "someone'd",
            "someoned've", "someone'd've", "someone'dve", "someone'd've", "someonell", "someone'll",
            "someones", "someone's", "somethingd", "something'd", "somethingd've", "something'd've",
            "something'dve", "something'd've", "somethingll", "something'll", "thats", "that's", "thered", "there'd",
            "thered've", "there'd've", "there'dve", "there'd've", "therere", "there're", "theres", "there's",
            "theyd", "they'd", "theyd've", "they'd've", "they'dve", "they'd've", "theyll", "they'll",
            "theyre", "they're", "theyve", "they've", "twas", "'twas", "wasnt", "wasn't", "wed've", "we'd've",
            "we'dve", "we'd've", "weve", "we've", "werent", "weren't", "whatll", "what'll", "whatre", "what're",
            "whats", "what's", "whatve", "what've", "whens", "when's", "whered", "where'd", "wheres", "where's",
            "whereve", "where've", "whod", "who'd", "whod've", "who'd've", "who'dve", "who'd've", "wholl", "who'll",
            "whos", "who's", "whove", "who've", "whyll", "why'll", "whyre", "why're", "whys", "why's",
            "wont", "won't", "wouldve", "would've", "wouldnt", "wouldn't", "wouldnt've", "wouldn't've",
            "wouldn'tve", "wouldn't've", "yall", "y'all", "yall'll", "y'all'll", "y'allll", "y'all'll",
            "yall'd've", "y'all'd've", "y'alld've", "y'all'd've", "y'all'dve", "y'all'd've", "youd", "you'd",
            "youd've", "you'd've", "you'dve", "you'd've", "youll", "you'll", "youre", "you're", "youve", "you've"
    );

    private VqaScoring() {}

    /** The official processPunctuation. */
    public static String punctuation(String in) {
        String out = in;
        boolean digitComma = COMMA_STRIP.matcher(in).find();
        for (String p : PUNCT) {
            out = in.contains(p + " ") || in.contains(" " + p) || digitComma ? out.replace(p, "") : out.replace(p, " ");
        }
        Matcher m = PERIOD_STRIP.matcher(out);
        StringBuilder sb = new StringBuilder();
        int n = 0;
        while (n < PERIOD_STRIP_COUNT && m.find()) {
            m.appendReplacement(sb, "");
            n++;
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** The official processDigitArticle: lower case, words split on white space, numbers, articles, contractions. */
    public static String digitArticle(String in) {
        List<String> words = new ArrayList<>();
        for (String w : in.toLowerCase(Locale.ROOT).strip().split("\\s+")) {
            if (w.isEmpty()) continue;
            w = NUMBERS.getOrDefault(w, w);
            if (!ARTICLES.contains(w)) words.add(CONTRACTIONS.getOrDefault(w, w));
        }
        return String.join(" ", words);
    }

    /** Punctuation, then digits and articles: what the official code does to a string when it normalises. */
    public static String normalize(String in) {
        return digitArticle(punctuation(in));
    }

    /** The accuracy of {@code prediction} against the humans' answers (usually ten), in [0, 1]. */
    public static double accuracy(String prediction, List<String> humans) {
        if (humans.isEmpty()) throw new IllegalArgumentException("no human answers to score against");
        List<String> gts = humans.stream().map(VqaScoring::clean).toList();
        String res = clean(prediction);
        if (Set.copyOf(gts).size() > 1) {
            gts = gts.stream().map(VqaScoring::normalize).toList();
            res = normalize(res);
        }
        int matching = 0;
        for (String g : gts) if (g.equals(res)) matching++;
        double sum = 0;
        for (String g : gts) sum += Math.min(1, (matching - (g.equals(res) ? 1 : 0)) / 3.0);
        return sum / gts.size();
    }

    private static String clean(String s) {
        return s.replace('\n', ' ').replace('\t', ' ').strip();
    }

    private static Map<String, String> pairs(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return Map.copyOf(m);
    }
}

package org.jtuner.nn;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Which linear layers get a LoRA adapter and how: rank r, alpha, dropout, and the targets as PEFT reads
 * {@code target_modules}: a list of names, each matching a module whose path equals it or ends with "." + it;
 * or one regular expression matched against the whole path; or every linear layer but the output head
 * ({@code allLinear}, XTuner's default, PEFT's "all-linear").
 */
public record LoraSpec(int r, double alpha, double dropout, List<String> targetModules, String targetRegex,
                       boolean allLinear, List<String> excluded) {
    /** Output heads that "all linear layers" leaves alone, as XTuner's find_all_linear_names does. */
    public static final List<String> OUTPUT_HEADS = List.of("lm_head", "output_layer", "output");

    public LoraSpec {
        if (r <= 0) throw new IllegalArgumentException("LoRA r must be positive, got " + r);
        targetModules = targetModules == null ? List.of() : List.copyOf(targetModules);
        excluded = excluded == null ? List.of() : List.copyOf(excluded);
        if (!allLinear && targetModules.isEmpty() && targetRegex == null) {
            throw new IllegalArgumentException("LoRA needs target modules: a list of names, a regex, or all-linear");
        }
    }

    public static LoraSpec allLinear(int r, double alpha, double dropout) {
        return new LoraSpec(r, alpha, dropout, List.of(), null, true, List.of());
    }

    public static LoraSpec targets(int r, double alpha, double dropout, List<String> names) {
        return new LoraSpec(r, alpha, dropout, names, null, false, List.of());
    }

    /** Whether the linear layer at {@code path} gets an adapter. */
    public boolean matches(String path) {
        String last = path.substring(path.lastIndexOf('.') + 1);
        for (String e : excluded) if (path.equals(e) || path.endsWith("." + e)) return false;
        if (allLinear) return !OUTPUT_HEADS.contains(last);
        if (targetRegex != null) return Pattern.compile(targetRegex).matcher(path).matches();
        for (String t : targetModules) if (path.equals(t) || path.endsWith("." + t)) return true;
        return false;
    }
}

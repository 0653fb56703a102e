package org.jtuner.text.tokenizer.normalizer;

import java.text.Normalizer.Form;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jtuner.text.tokenizer.util.JsonSpec;
import org.jtuner.text.tokenizer.util.SplitPattern;

/** Builds a {@link Normalizer} from its {@code tokenizer.json} object; new types plug in with {@link #register}. */
public final class Normalizers {
    private static final Map<String, Function<JsonSpec, Normalizer>> FACTORIES = new ConcurrentHashMap<>();

    static {
        register("Sequence", spec -> new NormalizerSequence(spec.list("normalizers").stream().map(Normalizers::fromJson).toList()));
        register("NFC", spec -> new UnicodeNormalizer(Form.NFC));
        register("NFD", spec -> new UnicodeNormalizer(Form.NFD));
        register("NFKC", spec -> new UnicodeNormalizer(Form.NFKC));
        register("NFKD", spec -> new UnicodeNormalizer(Form.NFKD));
        register("Prepend", spec -> new PrependNormalizer(spec.string("prepend")));
        register("Replace", spec -> new ReplaceNormalizer(SplitPattern.fromJson(spec, "pattern"), spec.string("content")));
        register("Lowercase", spec -> new LowercaseNormalizer());
        register("Strip", spec -> new StripNormalizer(spec.bool("strip_left", false), spec.bool("strip_right", false)));
    }

    private Normalizers() {}

    public static void register(String type, Function<JsonSpec, Normalizer> factory) {
        FACTORIES.put(type, factory);
    }

    /** The normalizer that {@code spec} describes, or null for a JSON null. */
    public static Normalizer fromJson(JsonSpec spec) {
        return spec == null ? null : spec.build("normalizer", FACTORIES);
    }
}

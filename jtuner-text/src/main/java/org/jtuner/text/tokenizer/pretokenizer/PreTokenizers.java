package org.jtuner.text.tokenizer.pretokenizer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jtuner.text.tokenizer.util.JsonSpec;
import org.jtuner.text.tokenizer.util.SplitPattern;

/** Builds a {@link PreTokenizer} from its {@code tokenizer.json} object; new types plug in with {@link #register}. */
public final class PreTokenizers {
    private static final Map<String, Function<JsonSpec, PreTokenizer>> FACTORIES = new ConcurrentHashMap<>();

    static {
        register("Sequence", spec -> new PreTokenizerSequence(spec.list("pretokenizers").stream().map(PreTokenizers::fromJson).toList()));
        register("Split", spec -> new SplitPreTokenizer(SplitPattern.fromJson(spec, "pattern"),
                SplitBehavior.fromJson(spec, "behavior"), spec.bool("invert", false)));
        register("ByteLevel", spec -> new ByteLevelPreTokenizer(spec.bool("add_prefix_space", true), spec.bool("use_regex", true)));
        register("Metaspace", MetaspacePreTokenizer::fromJson);
        register("WhitespaceSplit", spec -> new SplitPreTokenizer(SplitPattern.regex("\\s+"), SplitBehavior.REMOVED, false));
        register("Whitespace", spec -> new SplitPreTokenizer(SplitPattern.regex("\\w+|[^\\w\\s]+"), SplitBehavior.REMOVED, true));
    }

    private PreTokenizers() {}

    public static void register(String type, Function<JsonSpec, PreTokenizer> factory) {
        FACTORIES.put(type, factory);
    }

    /** The pre-tokenizer that {@code spec} describes, or null for a JSON null. */
    public static PreTokenizer fromJson(JsonSpec spec) {
        return spec == null ? null : spec.build("pre_tokenizer", FACTORIES);
    }
}

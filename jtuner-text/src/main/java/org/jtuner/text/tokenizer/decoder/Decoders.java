package org.jtuner.text.tokenizer.decoder;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jtuner.text.tokenizer.pretokenizer.MetaspacePreTokenizer;
import org.jtuner.text.tokenizer.util.JsonSpec;
import org.jtuner.text.tokenizer.util.SplitPattern;

/** Builds a {@link Decoder} from its {@code tokenizer.json} object; new types plug in with {@link #register}. */
public final class Decoders {
    private static final Map<String, Function<JsonSpec, Decoder>> FACTORIES = new ConcurrentHashMap<>();

    static {
        register("Sequence", spec -> new DecoderSequence(spec.list("decoders").stream().map(Decoders::fromJson).toList()));
        register("ByteLevel", spec -> new ByteLevelDecoder());
        register("ByteFallback", spec -> new ByteFallbackDecoder());
        register("Fuse", spec -> new FuseDecoder());
        register("Replace", spec -> new ReplaceDecoder(SplitPattern.fromJson(spec, "pattern"), spec.string("content")));
        register("Strip", spec -> {
            String content = spec.string("content");
            if (content.codePointCount(0, content.length()) != 1) throw spec.error("'content' must be one character");
            return new StripDecoder(content.codePointAt(0), spec.integer("start", 0), spec.integer("stop", 0));
        });
        register("Metaspace", spec -> {
            MetaspacePreTokenizer m = MetaspacePreTokenizer.fromJson(spec);
            return new MetaspaceDecoder(m.replacement(), m.prependScheme() != MetaspacePreTokenizer.PrependScheme.NEVER);
        });
    }

    private Decoders() {}

    public static void register(String type, Function<JsonSpec, Decoder> factory) {
        FACTORIES.put(type, factory);
    }

    /** The decoder that {@code spec} describes, or null for a JSON null. */
    public static Decoder fromJson(JsonSpec spec) {
        return spec == null ? null : spec.build("decoder", FACTORIES);
    }
}

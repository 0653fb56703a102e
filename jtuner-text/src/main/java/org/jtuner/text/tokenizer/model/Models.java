package org.jtuner.text.tokenizer.model;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jtuner.text.tokenizer.util.JsonSpec;

/** Builds the {@link Model} from the {@code "model"} object; new model types plug in with {@link #register}. */
public final class Models {
    private static final Map<String, Function<JsonSpec, Model>> FACTORIES = new ConcurrentHashMap<>();

    static {
        register("BPE", Bpe::fromJson);
    }

    private Models() {}

    public static void register(String type, Function<JsonSpec, Model> factory) {
        FACTORIES.put(type, factory);
    }

    public static Model fromJson(JsonSpec spec) {
        if (spec == null) throw new org.jtuner.text.tokenizer.util.TokenizerSpecException("model: missing");
        // Old files leave out the type of a BPE model.
        if (!spec.has("type") && spec.has("merges")) return Bpe.fromJson(spec);
        return spec.build("model", FACTORIES);
    }
}

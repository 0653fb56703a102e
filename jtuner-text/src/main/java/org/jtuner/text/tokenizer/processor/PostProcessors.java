package org.jtuner.text.tokenizer.processor;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import org.jtuner.text.tokenizer.util.JsonSpec;

/** Builds a {@link PostProcessor} from its {@code tokenizer.json} object; new types plug in with {@link #register}. */
public final class PostProcessors {
    private static final Map<String, Function<JsonSpec, PostProcessor>> FACTORIES = new ConcurrentHashMap<>();

    static {
        register("Sequence", spec -> new ProcessorSequence(spec.list("processors").stream().map(PostProcessors::fromJson).toList()));
        register("TemplateProcessing", TemplateProcessing::fromJson);
        // ByteLevel only trims offsets, which we do not compute: the ids pass through unchanged.
        register("ByteLevel", spec -> (sequence, add) -> sequence);
        register("BertProcessing", PostProcessors::clsSep);
        register("RobertaProcessing", PostProcessors::clsSep);
    }

    private PostProcessors() {}

    public static void register(String type, Function<JsonSpec, PostProcessor> factory) {
        FACTORIES.put(type, factory);
    }

    /** The post-processor that {@code spec} describes, or null for a JSON null. */
    public static PostProcessor fromJson(JsonSpec spec) {
        return spec == null ? null : spec.build("post_processor", FACTORIES);
    }

    /** BERT and RoBERTa: {@code cls A sep} for a single sequence, with "cls"/"sep" written as [token, id]. */
    private static PostProcessor clsSep(JsonSpec spec) {
        JsonNode cls = spec.node().get("cls"), sep = spec.node().get("sep");
        for (JsonNode n : new JsonNode[] {cls, sep}) {
            if (n == null || !n.isArray() || n.size() != 2) throw spec.error("'cls' and 'sep' must be [token, id]");
        }
        var first = new TemplateProcessing.Special(new int[] {cls.get(1).intValue()}, List.of(cls.get(0).asText()));
        var last = new TemplateProcessing.Special(new int[] {sep.get(1).intValue()}, List.of(sep.get(0).asText()));
        return new TemplateProcessing(List.of(first, TemplateProcessing.SEQUENCE, last));
    }
}

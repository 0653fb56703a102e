package org.jtuner.data;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.config.ConfigNode;

/**
 * The {@code data.sampler} section.
 *
 * @param type          {@code length_grouped} (XTuner's LengthGroupedSampler over modality lengths) or {@code shuffle}
 * @param megaBatchMult mega-batch size in global batches; null takes XTuner's default
 *                      {@code max(1, min(len // (total_batch * 4), 50))}
 * @param seed          the shuffling seed shared by all ranks; null lets the trainer pick one (rank 0's, broadcast)
 */
public record SamplerConfig(Type type, Integer megaBatchMult, Long seed) {
    public enum Type { LENGTH_GROUPED, SHUFFLE }

    static final Set<String> KEYS = Set.of("type", "mega_batch_mult", "seed");

    public static final SamplerConfig DEFAULT = new SamplerConfig(Type.LENGTH_GROUPED, null, null);

    public SamplerConfig {
        if (type == null) type = Type.LENGTH_GROUPED;
        if (megaBatchMult != null && megaBatchMult < 1) throw new IllegalArgumentException("mega_batch_mult must be at least 1, got " + megaBatchMult);
    }

    static SamplerConfig read(ConfigNode n) {
        return new SamplerConfig(n.enumValue("type", Type.class, Type.LENGTH_GROUPED),
                n.optionalInteger("mega_batch_mult", 1, Integer.MAX_VALUE), n.optionalLong("seed"));
    }

    /** Strictly reads a {@code sampler} mapping (path {@code data.sampler} in messages). */
    public static SamplerConfig fromYamlSection(JsonNode node) {
        return read(ConfigNode.of(node, "data.sampler", KEYS));
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", type.name().toLowerCase(java.util.Locale.ROOT));
        if (megaBatchMult != null) o.put("mega_batch_mult", megaBatchMult); else o.putNull("mega_batch_mult");
        if (seed != null) o.put("seed", seed); else o.putNull("seed");
        return o;
    }
}

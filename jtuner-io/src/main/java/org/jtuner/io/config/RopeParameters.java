package org.jtuner.io.config;

import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Rotary position embedding settings, resolved as transformers 5 resolves them
 * ({@code RotaryEmbeddingConfigMixin.convert_rope_params_to_dict}) from either form a config.json may use:
 * <ul>
 *   <li>transformers 5: {@code "rope_parameters": {"rope_type": "linear", "rope_theta": 10000.0, "factor": 2.0}}</li>
 *   <li>older: top-level {@code "rope_theta"} plus {@code "rope_scaling": {"type" or "rope_type": ..., "factor": ...}}</li>
 * </ul>
 * A non-empty {@code rope_scaling} wins over {@code rope_parameters}; {@code rope_theta} is taken from the chosen
 * dict, else from the top level, else the model's default; the type is {@code rope_type}, else {@code type}, else
 * {@code "default"}.
 *
 * @param type   "default", "linear", "dynamic", "llama3", "yarn", "longrope", ...
 * @param theta  the RoPE base
 * @param factor the scaling factor (1.0 when the type has none)
 * @param extra  every other numeric entry (e.g. {@code low_freq_factor}, {@code original_max_position_embeddings})
 */
public record RopeParameters(String type, double theta, double factor, Map<String, Double> extra) {

    public RopeParameters {
        extra = Map.copyOf(extra);
    }

    /** Plain RoPE with base {@code theta}. */
    public static RopeParameters plain(double theta) {
        return new RopeParameters("default", theta, 1.0, Map.of());
    }

    /** Whether positions are scaled in any way (anything but the plain "default" type). */
    public boolean isScaled() {
        return !type.equals("default");
    }

    /** An extra numeric parameter, or {@code dflt}. */
    public double extra(String key, double dflt) {
        return extra.getOrDefault(key, dflt);
    }

    static RopeParameters resolve(ConfigFields top, double defaultTheta, int maxPositionEmbeddings) {
        ObjectNode scaling = top.object("rope_scaling");
        boolean legacy = scaling != null && !scaling.isEmpty();
        ObjectNode chosen = legacy ? scaling : top.object("rope_parameters");
        if (chosen == null) chosen = JsonNodeFactory.instance.objectNode();
        ConfigFields p = new ConfigFields(chosen, legacy ? "rope_scaling" : "rope_parameters");

        double theta = p.hasValue("rope_theta") ? p.number("rope_theta", defaultTheta)
                : top.number("rope_theta", defaultTheta);
        String type = p.string("rope_type", p.string("type", "default"));
        double factor = p.number("factor", 1.0);

        Map<String, Double> extra = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : p.json().properties()) {
            String key = e.getKey();
            if (e.getValue().isNumber() && !key.equals("rope_theta") && !key.equals("factor")) {
                extra.put(key, e.getValue().doubleValue());
            }
        }
        // transformers fills this in for the types that need the pre-training context length.
        if (type.equals("llama3") || type.equals("yarn") || type.equals("longrope")) {
            if (top.hasValue("original_max_position_embeddings")) {
                extra.put("original_max_position_embeddings", top.number("original_max_position_embeddings", 0));
            } else {
                extra.putIfAbsent("original_max_position_embeddings", (double) maxPositionEmbeddings);
            }
        }
        return new RopeParameters(type, theta, factor, extra);
    }
}

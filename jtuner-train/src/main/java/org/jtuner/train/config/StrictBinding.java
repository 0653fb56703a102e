package org.jtuner.train.config;

import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import org.jtuner.data.config.Suggestions;

/**
 * Binds a config tree onto records, with snake_case keys, and turns an unknown key into an error that names the
 * whole key path and the nearest valid key.
 */
public final class StrictBinding {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .findAndRegisterModules();

    private StrictBinding() {}

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    public static <T> T bind(JsonNode tree, Class<T> type, String where) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            String path = path(e);
            String nearest = Suggestions.nearest(e.getPropertyName(),
                    e.getKnownPropertyIds().stream().map(Object::toString).collect(Collectors.toList()));
            throw new IllegalArgumentException("unknown key '" + path + "' in " + where
                    + (nearest == null ? "" : "; did you mean '" + replaceLast(path, nearest) + "'?")
                    + " (valid keys here: " + e.getKnownPropertyIds().stream().map(Object::toString).sorted().toList() + ")");
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException("bad value for '" + path(e) + "' in " + where + ": " + e.getOriginalMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read " + where + ": " + e.getOriginalMessage());
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String replaceLast(String path, String key) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? key : path.substring(0, dot + 1) + key;
    }
}

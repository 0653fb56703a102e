package org.jtuner.data.config;

/**
 * A run configuration that cannot be used: an unknown key, a value of the wrong type or out of range, a required
 * key missing. The message starts with the key's dotted path ({@code data.sampler.type: ...}).
 */
public class ConfigException extends IllegalArgumentException {
    private final String path;

    public ConfigException(String path, String message) {
        super(path + ": " + message);
        this.path = path;
    }

    /** The dotted path of the offending key, such as {@code data.max_length}. */
    public String path() {
        return path;
    }
}

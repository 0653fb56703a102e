package org.jtuner.io.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** A parsed Hugging Face {@code config.json}: the typed fields a model needs, plus the JSON it came from. */
public sealed interface HfConfig permits LlamaConfig, ClipVisionConfig, LlavaConfig {

    /** The {@code model_type} (e.g. "llama", "qwen2", "clip_vision_model", "llava"). */
    String modelType();

    /**
     * A copy of the JSON this config was read from, every field kept (also those this class does not model), so it
     * can be edited and written back with {@link HfConfigs#write}.
     */
    ObjectNode raw();
}

package org.jtuner.serve;

import java.util.List;
import java.util.function.Function;

import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.generate.TextListener;
import org.jtuner.vision.PixelValues;
import org.jtuner.vision.RgbImage;

/**
 * The model the server answers with: its name in {@code /v1/models}, how a conversation becomes a prompt, how a
 * decoded image becomes pixel values (null for a language model alone), the ids that end an answer, the template's
 * stop words, and the batched generation itself (normally {@code generator::generate}).
 */
public record ServedModel(String id, PromptBuilder prompts, Function<RgbImage, PixelValues> imageProcessor,
                          List<Integer> eosIds, List<String> stopWords, BatchGeneration generation) {

    /** Generates a batch of prompts with one configuration, reporting each row's text as it comes. */
    @FunctionalInterface
    public interface BatchGeneration {
        List<Generation> generate(List<Prompt> prompts, GenerationConfig config, TextListener listener);
    }

    public ServedModel {
        eosIds = List.copyOf(eosIds);
        stopWords = List.copyOf(stopWords);
    }

    public boolean takesImages() {
        return imageProcessor != null;
    }
}

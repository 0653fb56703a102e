package org.jtuner.cli;

import java.util.List;
import java.util.SplittableRandom;

import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.generate.cot.ModelJudge;
import org.jtuner.generate.cot.StageBeamSearch;
import org.jtuner.vision.RgbImage;

/**
 * {@code --stage-beam N} of chat and eval: LLaVA-CoT's stage-level beam search with the model as its own judge.
 * Candidates are sampled as the paper samples them (temperature 0.6, top-p 0.9, seeded by the command's seed);
 * the judge's replies are decoded with the command's settings, at most 128 tokens (the paper's reply is one
 * sentence). With N = 1 the answer is the command's plain decoding.
 */
final class StageBeamAnswers {
    private final ChatModel model;
    private final StageBeamSearch search;
    private final String system;

    StageBeamAnswers(ChatModel model, int beam, String system) {
        this.model = model;
        this.search = new StageBeamSearch(model.generator, beam);
        this.system = system;
    }

    /** The answer to {@code question} (as the user typed it, without image placeholders) given its prompt and images. */
    Generation answer(Prompt prompt, String question, List<RgbImage> images, GenerationConfig config) {
        GenerationConfig judging = config.withMaxNewTokens(Math.min(config.maxNewTokens(), 128));
        ModelJudge judge = new ModelJudge(model.generator, (text, withImage) -> withImage
                ? model.prompt(system, List.of(), PromptBuilder.IMAGE_PLACEHOLDER.concat("\n").repeat(images.size()) + text, images)
                : model.prompt(system, List.of(), text, List.of()), judging, question, null);
        return search.search(prompt, config, StageBeamSearch.paperSampling(config), judge, new SplittableRandom(config.seed())).generation();
    }
}

package org.jtuner.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jtuner.data.ImageLoader;
import org.jtuner.data.SampleEncoder;
import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.GenerationModel;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.text.template.PromptTemplate;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.vision.PixelValues;

/**
 * Answers prompts with the model being trained, as XTuner's EvaluateChatHook does: the question (with
 * {@code <image>\n} first when it has an image) formatted by the prompt template, the text around the image
 * tokenized piece by piece, the image expanded to its image tokens, then greedy decoding
 * (jtuner-generate's {@link Generator}) until EOS or a stop word.
 */
public final class Evaluator {
    public static final String IMAGE_PLACEHOLDER = "<image>";

    private final LlavaForConditionalGeneration model;
    private final Tokenizer tokenizer;
    private final PromptTemplate template;
    private final ImageLoader images;
    private final String system;
    private final int maxNewTokens;
    private final Generator generator;

    public Evaluator(LlavaForConditionalGeneration model, Tokenizer tokenizer, PromptTemplate template, ImageLoader images,
                     String system, int maxNewTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.images = images;
        this.system = system;
        this.maxNewTokens = maxNewTokens;
        this.generator = new Generator(GenerationModel.of(model), tokenizer);
    }

    /** The prompt's ids: BOS, template text and, for each {@code <image>}, the model's image tokens. */
    public int[] promptIds(String question, boolean withImage) {
        String input = (withImage ? IMAGE_PLACEHOLDER + "\n" : "") + question;
        String text = template.prompt(system == null || system.isEmpty() ? null : system, input, 1);
        List<Integer> ids = new ArrayList<>();
        for (int b : SampleEncoder.bosIds(tokenizer)) ids.add(b);
        String[] pieces = text.split(IMAGE_PLACEHOLDER, -1);
        for (int i = 0; i < pieces.length; i++) {
            if (i > 0) for (int k = 0; k < model.tokensPerImage(); k++) ids.add(model.imageTokenIndex());
            if (!pieces[i].isEmpty()) for (int id : tokenizer.encode(pieces[i], false)) ids.add(id);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The model's answer to one question about one image (or none), without the stop words. */
    public String answer(String question, Path image) {
        boolean training = model.isTraining();
        model.train(false);
        try {
            int[] ids = promptIds(question, image != null);
            List<PixelValues> pixels = image == null ? List.of() : List.of(images.load(image));
            Integer eos = tokenizer.eosId();
            GenerationConfig greedy = GenerationConfig.greedy(maxNewTokens, eos == null ? List.of() : List.of(eos))
                    .withStopStrings(template.stopWords());
            Generation out = generator.generate(new Prompt(ids, pixels), greedy, TextListener.NONE);
            return cleanAnswer(out.text());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("evaluation of '" + question + "' failed: " + e.getMessage(), e);
        } finally {
            model.train(training);
        }
    }

    /** Cuts the answer at the first stop word (the template's) and trims it. */
    String cleanAnswer(String text) {
        String out = text;
        for (String stop : template.stopWords()) {
            int at = out.indexOf(stop);
            if (at >= 0) out = out.substring(0, at);
        }
        return out.strip();
    }
}

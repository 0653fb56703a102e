package org.jtuner.generate;

import java.util.List;

import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Module;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;
import org.jtuner.vision.PixelValues;

/** What the generator needs of a model: the language model, and how a prompt (with its images) becomes embeddings. */
public final class GenerationModel {
    private final LlamaForCausalLM llm;
    private final LlavaForConditionalGeneration llava; // null for a language model alone

    private GenerationModel(LlamaForCausalLM llm, LlavaForConditionalGeneration llava) {
        this.llm = llm;
        this.llava = llava;
    }

    public static GenerationModel of(LlamaForCausalLM llm) {
        return new GenerationModel(llm, null);
    }

    public static GenerationModel of(LlavaForConditionalGeneration llava) {
        return new GenerationModel(llava.languageModel(), llava);
    }

    public LlamaForCausalLM languageModel() {
        return llm;
    }

    public boolean takesImages() {
        return llava != null;
    }

    /** The id that marks an image position in a prompt, or Integer.MIN_VALUE when the model takes no images. */
    public int imageTokenIndex() {
        return llava == null ? Integer.MIN_VALUE : llava.imageTokenIndex();
    }

    /** Image tokens per image (0 when the model takes no images). */
    public int tokensPerImage() {
        return llava == null ? 0 : llava.tokensPerImage();
    }

    Module module() {
        return llava != null ? llava : llm;
    }

    /** The prompt's input embeddings [1, T, D] (image features in place of the image tokens). */
    Tensor embed(Prompt prompt) {
        Tensor ids = Tensor.ofInts(prompt.ids(), 1, prompt.ids().length);
        if (llava == null) {
            if (!prompt.images().isEmpty()) {
                throw new IllegalArgumentException("this model is a language model alone: it takes no images ("
                        + prompt.images().size() + " given)");
            }
            return llm.embedTokens().forward(ids);
        }
        return llava.inputsEmbeds(ids, pixels(prompt.images()));
    }

    private static Tensor pixels(List<PixelValues> images) {
        if (images.isEmpty()) return null;
        Tensor[] each = new Tensor[images.size()];
        for (int i = 0; i < each.length; i++) {
            PixelValues p = images.get(i);
            each[i] = Tensor.of(p.data(), 1, PixelValues.CHANNELS, p.height(), p.width());
        }
        return each.length == 1 ? each[0] : Ops.concat(0, each);
    }
}

package org.jtuner.generate;

import java.util.List;

import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.nn.Module;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Tensor;
import org.jtuner.vision.PixelValues;

/**
 * What the generator needs of a model: the language model, and how a prompt (with its images) becomes embeddings;
 * or, for Llama-3.2-Vision (mllama), the whole model with its cross-attention layers.
 */
public final class GenerationModel {
    private final LlamaForCausalLM llm; // null for mllama
    private final LlavaForConditionalGeneration llava; // null for a language model alone
    private final MllamaForConditionalGeneration mllama; // null unless mllama

    private GenerationModel(LlamaForCausalLM llm, LlavaForConditionalGeneration llava, MllamaForConditionalGeneration mllama) {
        this.llm = llm;
        this.llava = llava;
        this.mllama = mllama;
    }

    public static GenerationModel of(LlamaForCausalLM llm) {
        return new GenerationModel(llm, null, null);
    }

    public static GenerationModel of(LlavaForConditionalGeneration llava) {
        return new GenerationModel(llava.languageModel(), llava, null);
    }

    /** Llama-3.2-Vision: prompts carry one {@code <|image|>} id per tiled image ({@link Prompt#tiled}). */
    public static GenerationModel of(MllamaForConditionalGeneration mllama) {
        return new GenerationModel(null, null, mllama);
    }

    /** The Llama language model (LLaVA's or the LLM alone); null for an mllama model. */
    public LlamaForCausalLM languageModel() {
        return llm;
    }

    /** The mllama model, or null. */
    public MllamaForConditionalGeneration mllama() {
        return mllama;
    }

    public boolean takesImages() {
        return llava != null || mllama != null;
    }

    /** The id that marks an image position in a prompt, or Integer.MIN_VALUE when the model takes no images. */
    public int imageTokenIndex() {
        if (mllama != null) return mllama.config().imageTokenIndex();
        return llava == null ? Integer.MIN_VALUE : llava.imageTokenIndex();
    }

    /** Image tokens per image (0 when the model takes no images; 1, {@code <|image|>}, for mllama). */
    public int tokensPerImage() {
        if (mllama != null) return 1;
        return llava == null ? 0 : llava.tokensPerImage();
    }

    Module module() {
        if (mllama != null) return mllama;
        return llava != null ? llava : llm;
    }

    /** A fresh decoding state (caches) for one generate call. */
    Decoding decoding() {
        return mllama != null ? new MllamaDecoding(mllama) : new LlamaDecoding(this, llm);
    }

    /** The prompt's input embeddings [1, T, D] (image features in place of the image tokens). */
    Tensor embed(Prompt prompt) {
        Tensor ids = Tensor.ofInts(prompt.ids(), 1, prompt.ids().length);
        if (!prompt.tiledImages().isEmpty()) {
            throw new IllegalArgumentException("tiled images are for an mllama model; this one takes " + (llava == null
                    ? "no images" : "LLaVA pixel images"));
        }
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

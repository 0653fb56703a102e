package org.jtuner.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.jtuner.data.SampleEncoder;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.GenerationModel;
import org.jtuner.generate.Generator;
import org.jtuner.generate.PromptBuilder;
import org.jtuner.generate.TextListener;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.testing.Fixtures;
import org.jtuner.text.template.PromptTemplates;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.train.demo.DemoTokenizer;
import org.jtuner.vision.ClipImageProcessor;
import org.jtuner.vision.Images;
import org.jtuner.vision.PixelValues;

/**
 * The tiny-llava fixture as a folder that talks: its weights, a byte-level BPE tokenizer of exactly its 320 ids
 * (as ChatXtunerReleaseTest writes it), a 32-pixel CLIP processor (the tower's image size), the vicuna template.
 * {@link #greedy} is the reference: generation's own API on the same prompt.
 */
final class TinyLlava implements AutoCloseable {
    static final String TEMPLATE = "vicuna";
    final Path dir;
    final LlavaForConditionalGeneration llava;
    final Generator generator;
    final PromptBuilder prompts;
    final ClipImageProcessor processor;
    final List<Integer> eos;

    TinyLlava(Path work) throws IOException {
        dir = work.resolve("tiny-llava");
        Files.createDirectories(dir);
        Path fixture = Fixtures.path("tiny-llava");
        for (String f : List.of("config.json", "model.safetensors")) Files.copy(fixture.resolve(f), dir.resolve(f));
        List<String> chars = new ArrayList<>();
        for (char c : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ012345678".toCharArray()) chars.add(String.valueOf(c));
        if (DemoTokenizer.write(dir, chars) != 320) throw new IllegalStateException("the tokenizer must have the model's 320 ids");
        Files.writeString(dir.resolve("preprocessor_config.json"),
                "{\"image_processor_type\": \"CLIPImageProcessor\", \"size\": {\"shortest_edge\": 32}, \"crop_size\": {\"height\": 32, \"width\": 32}}");
        llava = LlavaForConditionalGeneration.load(dir);
        Tokenizer tokenizer = Tokenizer.load(dir);
        GenerationModel model = GenerationModel.of(llava);
        generator = new Generator(model, tokenizer);
        prompts = PromptBuilder.xtuner(tokenizer, model, PromptTemplates.get(TEMPLATE), SampleEncoder.bosIds(tokenizer), SampleEncoder.eosIds(tokenizer));
        processor = ClipImageProcessor.fromConfig(dir.resolve("preprocessor_config.json"));
        eos = List.of(tokenizer.eosId());
    }

    /** The model as the server serves it, generating through {@code generation}. */
    ServedModel served(ServedModel.BatchGeneration generation) {
        return new ServedModel("tiny-llava", prompts, rgb -> processor.preprocess(processor.expandToSquare(rgb)), eos,
                prompts.stopWords(), generation);
    }

    ServedModel served() {
        return served(generator::generate);
    }

    PixelValues pixels(Path image) throws Exception {
        return processor.preprocess(processor.expandToSquare(Images.read(image)));
    }

    /** The greedy answer to one user message (with its images before the text, as the server places them). */
    String greedy(String text, List<Path> images, int maxTokens) throws Exception {
        List<PixelValues> pixels = new ArrayList<>();
        for (Path p : images) pixels.add(pixels(p));
        String input = PromptBuilder.IMAGE_PLACEHOLDER.concat("\n").repeat(images.size()) + text;
        return generator.generate(prompts.build(null, List.of(), input, pixels),
                GenerationConfig.greedy(maxTokens, eos).withStopStrings(prompts.stopWords()), TextListener.NONE).text();
    }

    @Override
    public void close() {
        llava.close();
    }
}

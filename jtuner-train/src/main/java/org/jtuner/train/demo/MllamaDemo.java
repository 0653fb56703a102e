package org.jtuner.train.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.models.mllama.MllamaConfig;
import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.train.TrainRun;

/**
 * {@code jtuner demo --mllama}: Llama-3.2-Vision training in miniature, from nothing. It writes the demo's shapes
 * data, a tokenizer with Llama 3.2 Vision's special tokens and a chat template of its shape, a tiny
 * Llama-3.2-Vision (tiled vision encoder, gated cross-attention layers) with fresh weights and its image processor
 * settings as a Hugging Face folder, then trains it with the {@code demo_mllama} recipe through the same code as
 * {@code jtuner train} and reports the loss of the first and the last logging window.
 */
public final class MllamaDemo {
    /** A chat template of the shape of Llama-3.2-11B-Vision-Instruct's (no system prompt or date lines). */
    public static final String CHAT_TEMPLATE = """
            {{- bos_token }}
            {%- for message in messages %}
            {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}
            {%- if message['content'] is string %}
            {{- message['content'] | trim }}
            {%- else %}
            {%- for content in message['content'] %}
            {%- if content['type'] == 'image' %}
            {{- '<|image|>' }}
            {%- elif content['type'] == 'text' %}
            {{- content['text'] | trim }}
            {%- endif %}
            {%- endfor %}
            {%- endif %}
            {{- '<|eot_id|>' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}""";

    static final int IMAGE_SIZE = 32;
    /** Training samples of {@code jtuner demo --mllama} unless {@code --samples} says otherwise. */
    public static final int DEFAULT_SAMPLES = 800;

    /** The first and last logged mean losses of the run. */
    public record Result(double firstLoss, double lastLoss, Path workDir) {}

    private MllamaDemo() {}

    /**
     * Writes a tokenizer for Llama 3.2 Vision's prompt format: the byte-level BPE of {@code words}, then the special
     * tokens at the ids of {@code ids} ({@code <|begin_of_text|>}, {@code <|eot_id|>}, {@code <|finetune_right_pad_id|>},
     * {@code <|start_header_id|>}, {@code <|end_header_id|>}, {@code <|image|>}), with {@link #CHAT_TEMPLATE}.
     * Returns the BPE vocabulary size.
     */
    public static int writeTokenizer(Path dir, List<String> words, SpecialIds ids) throws IOException {
        Map<String, Integer> specials = new LinkedHashMap<>();
        specials.put("<|begin_of_text|>", ids.begin());
        specials.put("<|eot_id|>", ids.eot());
        specials.put("<|finetune_right_pad_id|>", ids.pad());
        specials.put("<|start_header_id|>", ids.startHeader());
        specials.put("<|end_header_id|>", ids.endHeader());
        specials.put("<|image|>", ids.image());
        ObjectNode config = new ObjectMapper().createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast").put("bos_token", "<|begin_of_text|>")
                .put("eos_token", "<|eot_id|>").put("pad_token", "<|finetune_right_pad_id|>")
                .put("model_max_length", 256).put("chat_template", CHAT_TEMPLATE);
        return DemoTokenizer.write(dir, words, specials, config);
    }

    /** The ids of Llama 3.2 Vision's special tokens in a tokenizer. */
    public record SpecialIds(int begin, int eot, int pad, int startHeader, int endHeader, int image) {
        /** Right after a BPE vocabulary of {@code bpe} ids; {@code <|image|>} = the text vocab size, as in Llama 3.2 Vision. */
        public static SpecialIds after(int bpe) {
            return new SpecialIds(bpe, bpe + 1, bpe + 2, bpe + 3, bpe + 4, bpe + 5);
        }
    }

    /** Writes the mllama image processor's settings for {@code tile}-pixel tiles, at most {@code maxTiles} per image. */
    public static void writePreprocessorConfig(Path dir, int tile, int maxTiles) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode p = json.createObjectNode().put("image_processor_type", "MllamaImageProcessor")
                .put("do_convert_rgb", true).put("do_resize", true).put("resample", 2).put("do_rescale", true)
                .put("rescale_factor", 1 / 255.0).put("do_normalize", true).put("do_pad", true).put("max_image_tiles", maxTiles);
        p.putObject("size").put("height", tile).put("width", tile);
        p.putArray("image_mean").add(0.48145466).add(0.4578275).add(0.40821073);
        p.putArray("image_std").add(0.26862954).add(0.26130258).add(0.27577711);
        Files.createDirectories(dir);
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("preprocessor_config.json").toFile(), p);
    }

    /**
     * The demo's model: text hidden 96, 4 layers of which 1 and 3 are gated cross-attention layers, vocab = the
     * tokenizer's text ids, Llama 3's rope scaling; vision 32-pixel tiles of 8-pixel patches (16 + CLS tokens), hidden 32, 3 local and 2 global
     * layers, intermediate layers 1 and 2 (vision_output_dim 96); fresh weights as transformers initialises them.
     */
    static void writeModel(Path dir, SpecialIds ids) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode c = json.createObjectNode().put("model_type", "mllama").put("image_token_index", ids.image());
        c.putArray("architectures").add("MllamaForConditionalGeneration");
        ObjectNode t = c.putObject("text_config").put("model_type", "mllama_text_model").put("vocab_size", ids.image())
                .put("hidden_size", 96).put("intermediate_size", 192).put("num_hidden_layers", 4)
                .put("num_attention_heads", 4).put("num_key_value_heads", 2).put("max_position_embeddings", 256)
                .put("initializer_range", 0.06).put("bos_token_id", ids.begin()).put("eos_token_id", ids.eot())
                .put("pad_token_id", ids.pad()).put("use_cache", false);
        t.putArray("cross_attention_layers").add(1).add(3);
        // Llama 3.2's rope scaling (transformers 4.47.1 needs rope_scaling in an mllama text config)
        t.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 64);
        ObjectNode v = c.putObject("vision_config").put("model_type", "mllama_vision_model").put("image_size", IMAGE_SIZE)
                .put("patch_size", 8).put("hidden_size", 32).put("intermediate_size", 64).put("attention_heads", 4)
                .put("num_hidden_layers", 3).put("num_global_layers", 2).put("vision_output_dim", 96)
                .put("initializer_range", 0.06).put("max_num_tiles", 4);
        v.putArray("intermediate_layers_indices").add(1).add(2);
        try (MllamaForConditionalGeneration model = MllamaForConditionalGeneration.create(MllamaConfig.fromJson(c), new Random(17))) {
            model.save(dir);
        }
    }

    /** Writes the data and the tiny model under {@code workDir}, trains {@code demo_mllama} and reports the losses. */
    public static Result run(Path workDir, int trainSamples, List<String> overrides, PrintStream out) {
        try {
            long started = System.nanoTime();
            Path data = workDir.resolve("data"), model = workDir.resolve("models").resolve("tiny-mllama");
            out.println("demo --mllama: writing " + trainSamples + " training samples to " + data);
            List<ShapesDataset.Sample> train = ShapesDataset.generate(data, "train", trainSamples, 0.15, IMAGE_SIZE, 1);
            ShapesDataset.writeJson(data.resolve("train.json"), train);
            int bpe = DemoTokenizer.bpeVocabSize(ShapesDataset.vocabulary());
            SpecialIds ids = SpecialIds.after(bpe);
            writeTokenizer(model, ShapesDataset.vocabulary(), ids);
            writeModel(model, ids);
            writePreprocessorConfig(model, IMAGE_SIZE, 4);
            out.printf("demo --mllama: tokenizer (%d ids + 6 special), tiny Llama-3.2-Vision and its processor written to %s%n",
                    bpe, model);
            List<String> keys = new ArrayList<>(List.of("model.mllama=" + model, "data.files=[" + data.resolve("train.json") + "]",
                    "data.image_folder=" + data));
            keys.addAll(overrides);
            Path work = workDir.resolve("train");
            TrainRun.Result r = TrainRun.run(TrainRun.resolve("demo_mllama", keys), work, null, out);
            double first = firstLoggedLoss(work);
            out.printf(Locale.ROOT, "demo --mllama: finished in %.0f s; work dir %s (metrics.jsonl, loss.png)%n",
                    (System.nanoTime() - started) / 1e9, work);
            out.printf(Locale.ROOT, "demo --mllama: loss first %.3f last %.3f%n", first, r.lastLoss());
            return new Result(first, r.lastLoss(), work);
        } catch (IOException e) {
            throw new UncheckedIOException("demo --mllama failed: " + e.getMessage(), e);
        }
    }

    static double firstLoggedLoss(Path work) throws IOException {
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(work.resolve("metrics.jsonl"))) {
            var n = json.readTree(line);
            if (n.has("loss")) return n.get("loss").asDouble();
        }
        return Double.NaN;
    }
}

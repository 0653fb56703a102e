package org.jtuner.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.train.convert.HfLlavaWriter;
import org.jtuner.train.convert.XtunerMerge;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code jtuner merge}: XTuner's release layout (LLM, adapters, CLIP, projector) into one checkpoint. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Merge XTuner's release layout into one checkpoint: with --projector a LLaVA in the llava-hf "
                + "layout (LlavaForConditionalGeneration), otherwise an LLM or a CLIP tower with its adapter merged in.",
                "Any input may be safetensors or PyTorch pickles (.bin/.pth, read without running code)."})
final class MergeCommand implements Callable<Integer> {
    @Option(names = "--llm", paramLabel = "DIR", description = "The base LLM (a Hugging Face folder).")
    Path llm;

    @Option(names = "--llm-adapter", paramLabel = "DIR", description = "XTuner's llm_adapter/ (a PEFT LoRA adapter).")
    Path llmAdapter;

    @Option(names = "--visual-encoder", paramLabel = "DIR", description = "The CLIP vision tower (CLIPVisionModel folder).")
    Path visualEncoder;

    @Option(names = "--visual-encoder-adapter", paramLabel = "DIR", description = "XTuner's visual_encoder_adapter/.")
    Path visualEncoderAdapter;

    @Option(names = "--projector", paramLabel = "DIR", description = "XTuner's projector/ (ProjectorModel).")
    Path projector;

    @Option(names = "--mllama", paramLabel = "DIR",
            description = "A Llama-3.2-Vision folder (model_type mllama): --llm-adapter is then a PEFT adapter made on it.")
    Path mllama;

    @Option(names = "--output", required = true, paramLabel = "DIR", description = "Where to write the merged folder.")
    Path output;

    @Option(names = "--visual-select-layer", defaultValue = "-2", description = "The vision layer the projector reads (default -2).")
    int visualSelectLayer;

    @Option(names = "--select-strategy", defaultValue = "default",
            description = "default (drop the CLS token, as XTuner) or full.")
    String selectStrategy;

    @Option(names = "--image-token-index", paramLabel = "ID",
            description = "The <image> token id (default: the tokenizer's <image> token).")
    Integer imageTokenIndex;

    @Option(names = "--dtype", defaultValue = "f32", description = "f32, bf16 or f16 (default f32).")
    String dtype;

    @Option(names = "--max-shard-size", defaultValue = "5GB", description = "Shard the weights past this size (default 5GB).")
    String maxShardSize;

    @Override
    public Integer call() throws Exception {
        if (mllama != null) {
            int n = org.jtuner.train.convert.MllamaAdapterMerge.merge(mllama, llmAdapter, output,
                    ShardedCheckpoint.parseSize(maxShardSize), HfLlavaWriter.dtypeName(dtype));
            System.out.println("merge: wrote the Llama-3.2-Vision model with " + n + " adapted layers merged to " + output);
            return 0;
        }
        XtunerMerge.Args args = new XtunerMerge.Args(llm, llmAdapter, visualEncoder, visualEncoderAdapter, projector,
                visualSelectLayer, selectStrategy, imageTokenIndex, HfLlavaWriter.dtypeName(dtype),
                ShardedCheckpoint.parseSize(maxShardSize));
        XtunerMerge.Kind kind = XtunerMerge.merge(args, output);
        System.out.println("merge: wrote " + switch (kind) {
            case LLAVA -> "a LLaVA (llava-hf layout)";
            case LLM -> "the LLM with its adapter merged";
            case VISUAL_ENCODER -> "the vision tower with its adapter merged";
        } + " to " + output);
        return 0;
    }
}

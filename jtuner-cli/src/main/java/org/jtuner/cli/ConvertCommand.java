package org.jtuner.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import org.jtuner.train.convert.PickleToSafetensors;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jtuner convert}: checkpoints from one layout or format into another. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert checkpoints between formats and layouts.",
        subcommands = {ConvertCommand.ToSafetensors.class, ConvertCommand.ToHf.class, ConvertCommand.ToLlava.class, ConvertCommand.ToXtuner.class})
final class ConvertCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name what to convert to (to-safetensors, to-hf, to-xtuner, to-llava)");
    }

    @Command(name = "to-safetensors", mixinStandardHelpOptions = true,
            description = {"Rewrite a folder's PyTorch pickles (pytorch_model*.bin and its index, adapter_model.bin) as "
                    + "safetensors (model*.safetensors and its index, adapter_model.safetensors).",
                    "The pickles are read without running code and kept; delete them once the folder loads."})
    static final class ToSafetensors implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "DIR", description = "A model or adapter folder.")
        Path dir;

        @Override
        public Integer call() throws Exception {
            List<Path> written = PickleToSafetensors.convert(dir);
            for (Path p : written) System.out.println("convert: wrote " + p);
            return 0;
        }
    }

    @Command(name = "to-hf", mixinStandardHelpOptions = true,
            description = {"Write a training result (a work dir, or one iter_N checkpoint of it; its config.yaml says what "
                    + "was trained) as a Hugging Face LlavaForConditionalGeneration folder in the published llava-hf layout: "
                    + "adapters merged, tokenizer with <image> (embeddings grown where the LLM had none), "
                    + "generation and processor configs."})
    static final class ToHf implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "A work dir or an iter_N checkpoint folder.")
        Path run;

        @picocli.CommandLine.Option(names = "--output", required = true, paramLabel = "DIR")
        Path output;

        @picocli.CommandLine.Option(names = "--dtype", defaultValue = "f32", description = "f32, bf16 or f16 (default f32).")
        String dtype;

        @picocli.CommandLine.Option(names = "--max-shard-size", defaultValue = "5GB",
                description = "Shard the weights past this size, with an index (default 5GB).")
        String maxShardSize;

        @Override
        public Integer call() throws Exception {
            String d = org.jtuner.train.convert.HfLlavaWriter.dtypeName(dtype);
            long shard = org.jtuner.io.safetensors.ShardedCheckpoint.parseSize(maxShardSize);
            if (org.jtuner.train.convert.MllamaRunExport.isMllamaRun(run)) {
                // a Llama-3.2-Vision run: the hub layout of MllamaForConditionalGeneration, in F32
                if (!"F32".equals(d)) {
                    throw new IllegalArgumentException("--dtype " + dtype + ": an mllama run is written in f32 (leave --dtype out)");
                }
                Path from = org.jtuner.train.convert.MllamaRunExport.writeHf(run, shard, output);
                System.out.println("convert: " + from + " written as a Llama-3.2-Vision folder to " + output);
                return 0;
            }
            try (org.jtuner.train.convert.RunExport export = org.jtuner.train.convert.RunExport.open(run)) {
                export.writeHf(d, shard, output);
                System.out.println("convert: " + export.checkpoint() + " written as a llava-hf folder to " + output);
            }
            return 0;
        }
    }

    @Command(name = "to-llava", mixinStandardHelpOptions = true,
            description = {"Write a training result in the original LLaVA code base's layout (LlavaLlamaForCausalLM: "
                    + "model.mm_projector.*, model.vision_tower.vision_tower.*, the mm_* config keys), adapters merged."})
    static final class ToLlava implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "A work dir or an iter_N checkpoint folder.")
        Path run;

        @picocli.CommandLine.Option(names = "--output", required = true, paramLabel = "DIR")
        Path output;

        @picocli.CommandLine.Option(names = "--dtype", defaultValue = "f32", description = "f32, bf16 or f16 (default f32).")
        String dtype;

        @picocli.CommandLine.Option(names = "--max-shard-size", defaultValue = "5GB")
        String maxShardSize;

        @Override
        public Integer call() throws Exception {
            String d = org.jtuner.train.convert.HfLlavaWriter.dtypeName(dtype);
            long shard = org.jtuner.io.safetensors.ShardedCheckpoint.parseSize(maxShardSize);
            try (org.jtuner.train.convert.RunExport export = org.jtuner.train.convert.RunExport.open(run)) {
                export.writeOfficialLlava(d, shard, output);
                System.out.println("convert: " + export.checkpoint() + " written in the LLaVA code base's layout to " + output);
            }
            return 0;
        }
    }

    @Command(name = "to-xtuner", mixinStandardHelpOptions = true,
            description = {"Write a training result in XTuner's release layout: llm_adapter/ and visual_encoder_adapter/ "
                    + "as PEFT writes them, projector/ as XTuner's ProjectorModel, and a fully trained LLM (in the output "
                    + "folder) or visual encoder (visual_encoder/) whole. jtuner merge reads it back."})
    static final class ToXtuner implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "RUN", description = "A work dir or an iter_N checkpoint folder.")
        Path run;

        @picocli.CommandLine.Option(names = "--output", required = true, paramLabel = "DIR")
        Path output;

        @picocli.CommandLine.Option(names = "--dtype", defaultValue = "f32", description = "f32, bf16 or f16 (default f32).")
        String dtype;

        @picocli.CommandLine.Option(names = "--max-shard-size", defaultValue = "5GB")
        String maxShardSize;

        @Override
        public Integer call() throws Exception {
            String d = org.jtuner.train.convert.HfLlavaWriter.dtypeName(dtype);
            long shard = org.jtuner.io.safetensors.ShardedCheckpoint.parseSize(maxShardSize);
            try (org.jtuner.train.convert.RunExport export = org.jtuner.train.convert.RunExport.open(run)) {
                var parts = export.writeXtuner(d, shard, output);
                System.out.println("convert: " + export.checkpoint() + " written in XTuner's release layout to " + output
                        + " (" + String.join(", ", parts) + ")");
            }
            return 0;
        }
    }
}

package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.models.mllama.MllamaForConditionalGeneration;
import org.jtuner.nn.Lora;
import org.jtuner.train.Checkpoints;
import org.jtuner.train.MllamaSetup;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;

/**
 * An mllama training result ({@code model.mllama} in its config.yaml) as a Llama-3.2-Vision folder in the hub layout:
 * the run's model rebuilt, the checkpoint's weights loaded, LoRA adapters merged, written by
 * {@link MllamaForConditionalGeneration#save}, with the tokenizer and processor files of the folder it started from.
 */
public final class MllamaRunExport {
    /** Files of the base folder that travel with the weights (those present are copied). */
    static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "preprocessor_config.json", "generation_config.json", "chat_template.json");

    private MllamaRunExport() {}

    /** True when the run's config trains an mllama folder. */
    public static boolean isMllamaRun(Path runOrCheckpoint) throws IOException {
        Path yaml = workDir(runOrCheckpoint).resolve("config.yaml");
        return Files.isRegularFile(yaml) && ConfigFiles.YAML.readTree(yaml.toFile()).path("model").hasNonNull("mllama");
    }

    /** Writes the result; returns the checkpoint it came from. */
    public static Path writeHf(Path runOrCheckpoint, long maxShardBytes, Path out) throws IOException {
        Path workDir = workDir(runOrCheckpoint);
        Path ckpt = Files.isRegularFile(runOrCheckpoint.resolve(Checkpoints.WEIGHTS)) ? runOrCheckpoint
                : new Checkpoints(runOrCheckpoint).latest();
        if (ckpt == null) {
            throw new IllegalArgumentException(runOrCheckpoint + " is neither a checkpoint (" + Checkpoints.WEIGHTS
                    + ") nor a work dir with iter_<step> checkpoints");
        }
        ObjectNode tree = (ObjectNode) ConfigFiles.YAML.readTree(workDir.resolve("config.yaml").toFile());
        RunConfig config = RunConfig.bind(tree, workDir.resolve("config.yaml").toString());
        try (MllamaForConditionalGeneration model = MllamaSetup.build(config.model().withPretrained(ckpt.toString()), "fp32",
                new Random(0))) {
            Lora.merge(model);
            model.save(out, maxShardBytes);
        }
        Path base = Path.of(config.model().mllama());
        for (String f : SIDE_FILES) {
            if (Files.isRegularFile(base.resolve(f))) Files.copy(base.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        return ckpt;
    }

    private static Path workDir(Path runOrCheckpoint) {
        return Files.isRegularFile(runOrCheckpoint.resolve(Checkpoints.WEIGHTS))
                ? runOrCheckpoint.toAbsolutePath().getParent() : runOrCheckpoint;
    }
}

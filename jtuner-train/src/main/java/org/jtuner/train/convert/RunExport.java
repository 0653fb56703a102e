package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.DataConfig;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.train.Checkpoints;
import org.jtuner.train.ModelSetup;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;

/**
 * A training result as the model it trained: a work dir (its newest {@code iter_N/}) or one {@code iter_N/}
 * checkpoint, rebuilt from the run's resolved {@code config.yaml} (the parts, the adapters) with the checkpoint's
 * weights loaded over it, ready to be written in another layout.
 */
public final class RunExport implements AutoCloseable {
    private final LlavaForConditionalGeneration model;
    private final RunConfig config;
    private final DataConfig data;
    private final Path checkpoint;

    private RunExport(LlavaForConditionalGeneration model, RunConfig config, DataConfig data, Path checkpoint) {
        this.model = model;
        this.config = config;
        this.data = data;
        this.checkpoint = checkpoint;
    }

    public static RunExport open(Path runOrCheckpoint) throws IOException {
        Path ckpt, workDir;
        if (Files.isRegularFile(runOrCheckpoint.resolve(Checkpoints.WEIGHTS))) {
            ckpt = runOrCheckpoint;
            workDir = runOrCheckpoint.toAbsolutePath().getParent();
        } else {
            workDir = runOrCheckpoint;
            ckpt = new Checkpoints(runOrCheckpoint).latest();
            if (ckpt == null) {
                throw new IllegalArgumentException(runOrCheckpoint + " is neither a checkpoint (" + Checkpoints.WEIGHTS
                        + ") nor a work dir with iter_<step> checkpoints");
            }
        }
        Path yaml = workDir.resolve("config.yaml");
        if (!Files.isRegularFile(yaml)) {
            throw new IllegalArgumentException(workDir + " has no config.yaml: convert needs the run's resolved config "
                    + "(jtuner train writes it beside the checkpoints) to know what was trained");
        }
        ObjectNode tree = (ObjectNode) ConfigFiles.YAML.readTree(yaml.toFile());
        RunConfig config = RunConfig.bind(tree, yaml.toString());
        DataConfig data = DataConfig.fromYamlSection(tree.get("data"));
        LlavaForConditionalGeneration model = ModelSetup.build(config.model().withPretrained(ckpt.toString()), "fp32",
                data.imageTokenIndex(), new Random(0));
        return new RunExport(model, config, data, ckpt);
    }

    public LlavaForConditionalGeneration model() {
        return model;
    }

    public Path checkpoint() {
        return checkpoint;
    }

    /** (a) the llava-hf layout, adapters merged, the tokenizer the run used with {@code <image>} added if needed. */
    public void writeHf(String dtype, long maxShardBytes, Path out) throws IOException {
        RunConfig.ModelConfig c = config.model();
        ObjectNode text, vision;
        Path visionDir;
        if (c.llava() != null) {
            ObjectNode llava = HfConfigs.readJson(Path.of(c.llava()).resolve(HfConfigs.CONFIG_FILE));
            text = (ObjectNode) llava.get("text_config");
            vision = (ObjectNode) llava.get("vision_config");
            visionDir = Path.of(c.llava());
        } else {
            text = HfConfigs.readJson(Path.of(c.llm()).resolve(HfConfigs.CONFIG_FILE));
            vision = HfConfigs.readJson(Path.of(c.visionEncoder()).resolve(HfConfigs.CONFIG_FILE));
            visionDir = Path.of(c.visionEncoder());
        }
        Path processor = data.imageProcessor() != null ? data.imageProcessor() : visionDir;
        HfLlavaWriter.write(model, text, vision, dtype, maxShardBytes, data.tokenizer(), processor, out);
    }

    /** (c) the original LLaVA code base's layout (LlavaLlamaForCausalLM), adapters merged. */
    public void writeOfficialLlava(String dtype, long maxShardBytes, Path out) throws IOException {
        RunConfig.ModelConfig c = config.model();
        ObjectNode text;
        String tower;
        if (c.llava() != null) {
            text = (ObjectNode) HfConfigs.readJson(Path.of(c.llava()).resolve(HfConfigs.CONFIG_FILE)).get("text_config");
            tower = c.llava();
        } else {
            text = HfConfigs.readJson(Path.of(c.llm()).resolve(HfConfigs.CONFIG_FILE));
            tower = c.visionEncoder();
        }
        OfficialLlavaWriter.write(model, text, tower, dtype, maxShardBytes, data.tokenizer(), out);
    }

    /**
     * (b) XTuner's release layout: adapters as PEFT writes them, the projector as XTuner's ProjectorModel, a fully
     * trained LLM or tower written whole; {@code jtuner merge} puts it back together with the bases.
     */
    public java.util.List<String> writeXtuner(String dtype, long maxShardBytes, Path out) throws IOException {
        RunConfig.ModelConfig c = config.model();
        if (c.llava() != null) {
            throw new IllegalArgumentException("convert to-xtuner needs a run built from model.llm + model.vision_encoder "
                    + "(XTuner's release names its bases); this run starts from model.llava " + c.llava()
                    + ": use convert to-hf instead");
        }
        var llmLora = c.llmLora() == null ? null : ModelSetup.loraSpec(c.llmLora(), "model.llm_lora");
        var towerLora = c.visualEncoderLora() == null ? null : ModelSetup.loraSpec(c.visualEncoderLora(), "model.visual_encoder_lora");
        // The run's config says what trained: an unfrozen part without adapters trained whole.
        boolean llmTrained = !c.freezeLlm() && llmLora == null;
        boolean towerTrained = !c.freezeVisualEncoder() && towerLora == null;
        return XtunerReleaseWriter.write(model, llmLora, towerLora, llmTrained, towerTrained, Path.of(c.llm()),
                Path.of(c.visionEncoder()), dtype, maxShardBytes, out);
    }

    @Override
    public void close() {
        model.close();
    }
}

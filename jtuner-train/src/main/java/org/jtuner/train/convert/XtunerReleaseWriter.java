package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.clip.ClipVisionModel;
import org.jtuner.models.llama.LlamaCheckpoints;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.models.llava.LlavaMultiModalProjector;
import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.nn.Lora;
import org.jtuner.nn.LoraSpec;

/**
 * Writes a LLaVA as XTuner releases one (its {@code LLaVAModel.to_xtuner_llava}), the layout {@code jtuner merge}
 * reads back: {@code llm_adapter/} and {@code visual_encoder_adapter/} as PEFT writes them, {@code projector/} as
 * XTuner's {@code ProjectorModel} (config with visual_hidden_size, llm_hidden_size, depth, hidden_act, bias;
 * weights {@code model.0.*}, {@code model.2.*}), and a part that was fully trained as a whole Hugging Face folder:
 * the LLM in the output folder itself (with its tokenizer), the tower in {@code visual_encoder/}. A frozen part
 * without adapters is not written: the release is used with the base it was trained on.
 */
public final class XtunerReleaseWriter {
    private XtunerReleaseWriter() {}

    /**
     * @param llmLora     the spec the LLM's adapters were made with, null when it has none
     * @param towerLora   the same for the vision tower
     * @param llmTrained  whether the LLM's own weights trained (then it is written whole, adapters merged)
     * @param llmDir      the base LLM folder (tokenizer, generation config, adapter_config's base_model_name_or_path)
     * @param visionDir   the base tower folder (its config and preprocessor config)
     * @return the folders written under {@code out}, {@code "."} for the LLM written whole
     */
    public static List<String> write(LlavaForConditionalGeneration model, LoraSpec llmLora, LoraSpec towerLora,
                                     boolean llmTrained, boolean towerTrained, Path llmDir, Path visionDir,
                                     String dtype, long maxShardBytes, Path out) throws IOException {
        Files.createDirectories(out);
        List<String> written = new java.util.ArrayList<>();
        LlamaForCausalLM llm = model.languageModel();
        if (llmTrained) {
            Lora.merge(llm);
            HfConfigs.write(out.resolve(HfConfigs.CONFIG_FILE), llm.config().raw());
            ShardedCheckpoint.write(out, LlamaCheckpoints.stateDict(llm, llm.config(), dtype), Map.of("format", "pt"),
                    maxShardBytes);
            for (String f : HfLlavaWriter.TOKENIZER_FILES) HfLlavaWriter.copyIfThere(llmDir.resolve(f), out.resolve(f));
            HfLlavaWriter.copyIfThere(llmDir.resolve("generation_config.json"), out.resolve("generation_config.json"));
            written.add(".");
        } else if (llmLora != null) {
            PeftAdapters.save(llm, llmLora, out.resolve("llm_adapter"), llmDir.toString());
            written.add("llm_adapter");
        }
        ClipVisionModel tower = model.visionTower();
        if (towerTrained) {
            Lora.merge(tower);
            Path dir = out.resolve("visual_encoder");
            Files.createDirectories(dir);
            ShardedCheckpoint.write(dir, WeightSaver.stateDict(tower, KeyMap.prefix("vision_model."), n -> true, dtype),
                    Map.of("format", "pt"), maxShardBytes);
            ObjectNode c = HfConfigs.readJson(visionDir.resolve(HfConfigs.CONFIG_FILE));
            c.remove("architectures");
            c.putArray("architectures").add("CLIPVisionModel");
            HfConfigs.write(dir.resolve(HfConfigs.CONFIG_FILE), c);
            HfLlavaWriter.copyIfThere(visionDir.resolve("preprocessor_config.json"), dir.resolve("preprocessor_config.json"));
            written.add("visual_encoder");
        } else if (towerLora != null) {
            // saved from a CLIPVisionModel: its parameters sit under vision_model., ours at the tower's top
            PeftAdapters.save(tower, towerLora, out.resolve("visual_encoder_adapter"), visionDir.toString(), null,
                    KeyMap.prefix(PeftAdapters.KEY_PREFIX + "vision_model."));
            written.add("visual_encoder_adapter");
        }
        writeProjector(model.projector(), dtype, out.resolve("projector"));
        written.add("projector");
        return written;
    }

    /** XTuner's ProjectorModel folder: its ProjectorConfig fields, and the nn.Sequential's keys model.0, model.2, ... */
    static void writeProjector(LlavaMultiModalProjector projector, String dtype, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<TensorEntry> weights = WeightSaver.stateDict(projector, KeyMap.identity(), n -> true, dtype).stream()
                .map(e -> e.withName(XtunerMerge.theirs(e.name()))).toList();
        ShardedCheckpoint.write(dir, weights, Map.of("format", "pt"), Long.MAX_VALUE);
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putArray("architectures").add("ProjectorModel");
        c.put("bias", projector.linears().getFirst().bias() != null);
        c.put("depth", projector.depth());
        c.put("hidden_act", projector.act());
        c.put("llm_hidden_size", projector.outFeatures());
        c.put("model_type", "projector");
        c.put("torch_dtype", HfLlavaWriter.torchDtype(dtype));
        c.put("transformers_version", "4.47.1");
        c.put("visual_hidden_size", projector.inFeatures());
        HfConfigs.write(dir.resolve(HfConfigs.CONFIG_FILE), c);
    }
}

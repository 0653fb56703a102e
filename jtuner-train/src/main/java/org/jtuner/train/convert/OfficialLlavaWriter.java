package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.nn.Lora;

/**
 * Writes a LLaVA in the layout of the original LLaVA code base (haotian-liu/LLaVA, {@code LlavaLlamaForCausalLM}),
 * which its scripts and the servers built on it load: a Llama checkpoint ({@code model.embed_tokens}, {@code
 * model.layers.*}, {@code model.norm}, {@code lm_head}) whose {@code LlavaMetaModel} adds {@code model.mm_projector.*}
 * (an {@code nn.Sequential}: Linear, GELU, Linear → indices 0 and 2) and {@code model.vision_tower.vision_tower.*}
 * (the {@code CLIPVisionTower} wrapping a {@code CLIPVisionModel}, so {@code vision_model.*} below it); the config is
 * the Llama config plus the {@code mm_*} keys. {@code unfreeze_mm_vision_tower} makes that code build the tower at
 * load time, so that the tower weights written here (fine-tuned ones included) are read rather than reloaded from
 * {@code mm_vision_tower}.
 */
public final class OfficialLlavaWriter {
    private OfficialLlavaWriter() {}

    static final KeyMap KEYS = KeyMap.of(
            KeyMap.Rule.prefix("model.language_model.", "model."),
            KeyMap.Rule.prefix("lm_head.", "lm_head."),
            KeyMap.Rule.prefix("model.vision_tower.", "model.vision_tower.vision_tower.vision_model."),
            KeyMap.Rule.regex("^model\\.multi_modal_projector\\.linear_(\\d+)\\.(.*)$", "model.mm_projector.$1.$2"));

    public static void write(LlavaForConditionalGeneration model, ObjectNode textConfig, String visionTowerName,
                             String dtype, long maxShardBytes, Path tokenizerDir, Path out) throws IOException {
        if (model.imageTokenIndex() != LlavaForConditionalGeneration.XTUNER_IMAGE_TOKEN_INDEX) {
            throw new IllegalArgumentException("the LLaVA code base marks images with " + LlavaForConditionalGeneration
                    .XTUNER_IMAGE_TOKEN_INDEX + " (IMAGE_TOKEN_INDEX); this model uses token " + model.imageTokenIndex());
        }
        Lora.merge(model);
        Files.createDirectories(out);
        var entries = WeightSaver.stateDict(model, KEYS, n -> true, dtype).stream()
                .map(e -> e.name().startsWith("model.mm_projector.") ? renameProjector(e) : e).toList();
        ShardedCheckpoint.write(out, entries, Map.of("format", "pt"), maxShardBytes);
        ObjectNode c = ConfigDefaults.internlm2AsLlama(textConfig.deepCopy());
        c.remove("architectures");
        c.putArray("architectures").add("LlavaLlamaForCausalLM");
        c.put("model_type", "llava_llama");
        c.put("torch_dtype", HfLlavaWriter.torchDtype(dtype));
        c.put("mm_hidden_size", model.visionTower().config().hiddenSize());
        c.put("mm_projector_type", "mlp" + model.projector().depth() + "x_gelu");
        c.put("mm_vision_tower", visionTowerName);
        c.put("mm_vision_select_layer", model.config().visionFeatureLayers().getFirst());
        c.put("mm_vision_select_feature", model.config().dropsClsToken() ? "patch" : "cls_patch");
        c.put("mm_patch_merge_type", "flat");
        c.put("mm_use_im_start_end", false);
        c.put("mm_use_im_patch_token", false);
        c.put("image_aspect_ratio", "pad");
        c.put("use_mm_proj", true);
        c.put("tune_mm_mlp_adapter", false);
        c.put("freeze_mm_mlp_adapter", false);
        c.put("unfreeze_mm_vision_tower", true);
        HfConfigs.write(out.resolve(HfConfigs.CONFIG_FILE), c);
        if (tokenizerDir != null) {
            for (String f : HfLlavaWriter.TOKENIZER_FILES) HfLlavaWriter.copyIfThere(tokenizerDir.resolve(f), out.resolve(f));
        }
    }

    /** linear_N of ours is index 2(N−1) of LLaVA's nn.Sequential (GELUs sit at the odd indices). */
    private static org.jtuner.io.safetensors.TensorEntry renameProjector(org.jtuner.io.safetensors.TensorEntry e) {
        var m = java.util.regex.Pattern.compile("^model\\.mm_projector\\.(\\d+)\\.(.*)$").matcher(e.name());
        if (!m.matches()) return e;
        String name = "model.mm_projector." + 2 * (Integer.parseInt(m.group(1)) - 1) + "." + m.group(2);
        return e.withName(name);
    }
}

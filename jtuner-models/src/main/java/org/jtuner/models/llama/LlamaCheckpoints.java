package org.jtuner.models.llama;

import java.util.ArrayList;
import java.util.List;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.WeightSource;
import org.jtuner.nn.Module;

/**
 * Checkpoint layouts of the Llama family, in one place. Our module names are transformers' names for
 * LlamaForCausalLM ({@code model.layers.0.self_attn.q_proj.weight}, {@code lm_head.weight}), which llama, mistral
 * and qwen2 checkpoints use as they are; InternLM2 renames them and packs q/k/v ({@link InternLm2Layout}).
 *
 * <p>To load the language model out of a bigger checkpoint (a LLaVA one), add a prefix:
 * {@code keyMap(type).andThen(Rule.prefix("", "language_model."))}.
 */
public final class LlamaCheckpoints {
    private LlamaCheckpoints() {}

    /** Parameter name → checkpoint key for a model type. */
    public static KeyMap keyMap(String modelType) {
        return modelType.equals("internlm2") ? InternLm2Layout.KEY_MAP : KeyMap.identity();
    }

    /** The checkpoint as the key map reads it (InternLM2's wqkv split into q, k, v; others as they are). */
    public static WeightSource source(LlamaConfig c, WeightSource checkpoint) {
        return c.modelType().equals("internlm2") ? InternLm2Layout.unpacked(checkpoint, c) : checkpoint;
    }

    /**
     * Strict loading, ignoring what transformers ignores: the rotary {@code inv_freq} buffers older checkpoints
     * saved, and an {@code lm_head.weight} (or InternLM2 {@code output.weight}) saved beside tied embeddings.
     */
    public static WeightLoader.Options options(LlamaConfig c) {
        WeightLoader.Options o = WeightLoader.Options.strict().ignoreUnexpected(".*\\.rotary_emb\\.inv_freq");
        return c.tieWordEmbeddings() ? o.ignoreUnexpected("(.*\\.)?lm_head\\.weight", "(.*\\.)?output\\.weight") : o;
    }

    /**
     * The model's weights in its type's checkpoint layout, as {@code save_pretrained} writes them; LoRA adapter
     * weights are left out (they go to an adapter file, or merge them first). Each tensor keeps its dtype unless
     * {@code dtype} ("F32", "BF16", "F16") says otherwise.
     */
    public static List<TensorEntry> stateDict(Module model, LlamaConfig c, String dtype) {
        KeyMap keys = keyMap(c.modelType());
        boolean internlm2 = c.modelType().equals("internlm2");
        List<TensorEntry> out = new ArrayList<>(WeightSaver.stateDict(model, keys,
                name -> !isAdapter(name) && !(internlm2 && isQkv(name)), dtype));
        if (internlm2) {
            if (!(model instanceof LlamaForCausalLM lm)) {
                throw new IllegalArgumentException("InternLM2 layout needs a LlamaForCausalLM, got " + model.getClass().getSimpleName());
            }
            for (int i = 0; i < c.numHiddenLayers(); i++) {
                LlamaAttention a = lm.model().layers().get(i).selfAttn();
                String prefix = "model.layers." + i + ".attention.wqkv.";
                out.add(InternLm2Layout.packed(prefix + "weight", c, a.qProj(), a.kProj(), a.vProj(), false, dtype));
                if (a.qProj().bias() != null) {
                    out.add(InternLm2Layout.packed(prefix + "bias", c, a.qProj(), a.kProj(), a.vProj(), true, dtype));
                }
            }
        }
        return out;
    }

    static boolean isAdapter(String name) {
        return name.contains(".lora_A.") || name.contains(".lora_B.");
    }

    private static boolean isQkv(String name) {
        return name.matches(".*\\.self_attn\\.[qkv]_proj\\.(weight|bias)");
    }
}

package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.io.safetensors.TensorInfo;
import org.jtuner.models.peft.PeftAdapters;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;

/**
 * A PEFT LoRA adapter merged into a checkpoint tensor by tensor, in the checkpoint's own key names: for each
 * {@code base_model.model.<module>.lora_A/B.weight} pair, {@code <module>.weight} += (α/r)·B·A (α/√r with rsLoRA).
 * It needs no model class, so it merges adapters whose modules jtuner holds differently, such as InternLM2's
 * packed {@code attention.wqkv} (split into q, k, v only when loaded).
 */
final class CheckpointLoraMerge {
    private CheckpointLoraMerge() {}

    /** Writes {@code llmDir} with {@code adapterDir} merged in to {@code out} (config.json and the tokenizer copied). */
    static void merge(Path llmDir, Path adapterDir, Path out) throws IOException {
        ObjectNode c = HfConfigs.readJson(adapterDir.resolve(PeftAdapters.CONFIG_FILE));
        if (!c.path("peft_type").asText("LORA").equals("LORA")) {
            throw new IllegalArgumentException(adapterDir + ": peft_type " + c.path("peft_type").asText() + " is not LoRA");
        }
        if (c.path("fan_in_fan_out").asBoolean(false)) {
            throw new IllegalArgumentException(adapterDir + ": fan_in_fan_out adapters are not supported");
        }
        int r = c.path("r").asInt();
        double alpha = c.path("lora_alpha").asDouble(r);
        double scale = c.path("use_rslora").asBoolean(false) ? alpha / Math.sqrt(r) : alpha / r;
        try (ShardedCheckpoint base = ShardedCheckpoint.open(llmDir);
             ShardedCheckpoint adapter = ShardedCheckpoint.open(adapterDir, "adapter_model")) {
            Map<String, float[]> merged = new java.util.HashMap<>();
            for (String key : adapter.names()) {
                if (!key.endsWith(".lora_A.weight")) continue;
                String module = key.substring(0, key.length() - ".lora_A.weight".length());
                if (!module.startsWith(PeftAdapters.KEY_PREFIX)) {
                    throw new IllegalArgumentException(adapterDir + ": adapter key '" + key + "' lacks PEFT's "
                            + PeftAdapters.KEY_PREFIX + " prefix");
                }
                String weight = module.substring(PeftAdapters.KEY_PREFIX.length()) + ".weight";
                if (!base.contains(weight)) {
                    throw new IllegalArgumentException(adapterDir + ": adapter '" + key + "' adapts " + weight
                            + ", which " + llmDir + " does not have");
                }
                merged.put(weight, mergedWeight(base, weight, adapter, key, module + ".lora_B.weight", scale));
            }
            if (merged.isEmpty()) throw new IllegalArgumentException(adapterDir + ": no lora_A/lora_B weights");
            List<TensorEntry> entries = new ArrayList<>();
            for (String name : base.names()) {
                TensorInfo info = base.info(name);
                float[] m = merged.get(name);
                entries.add(m == null ? TensorEntry.of(name, info.dtype(), info.shape(), base.data(name))
                        : TensorEntry.ofFloats(name, info.dtype(), info.shape(), m));
            }
            Files.createDirectories(out);
            ShardedCheckpoint.write(out, entries, Map.of("format", "pt"), 5_000_000_000L);
        }
        Files.copy(llmDir.resolve(HfConfigs.CONFIG_FILE), out.resolve(HfConfigs.CONFIG_FILE));
        for (String f : HfLlavaWriter.TOKENIZER_FILES) HfLlavaWriter.copyIfThere(llmDir.resolve(f), out.resolve(f));
        HfLlavaWriter.copyIfThere(llmDir.resolve("generation_config.json"), out.resolve("generation_config.json"));
    }

    private static float[] mergedWeight(ShardedCheckpoint base, String weight, ShardedCheckpoint adapter, String aKey,
                                        String bKey, double scale) {
        long[] ws = base.info(weight).shape(), as = adapter.info(aKey).shape(), bs = adapter.info(bKey).shape();
        if (ws.length != 2 || as.length != 2 || bs.length != 2 || bs[1] != as[0] || bs[0] != ws[0] || as[1] != ws[1]) {
            throw new IllegalArgumentException("LoRA shapes do not fit: " + weight + " " + Arrays.toString(ws) + ", A "
                    + Arrays.toString(as) + ", B " + Arrays.toString(bs));
        }
        try (Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor w = Tensor.of(base.readFloats(weight), (int) ws[0], (int) ws[1]);
            Tensor a = Tensor.of(adapter.readFloats(aKey), (int) as[0], (int) as[1]);
            Tensor b = Tensor.of(adapter.readFloats(bKey), (int) bs[0], (int) bs[1]);
            Tensor sum = Ops.add(w, Ops.affine(Ops.matmul(b, a), scale, 0));
            if (sum.dtype() != DType.F32) throw new AssertionError();
            return sum.toFloatArray();
        } catch (Exception e) {
            if (e instanceof RuntimeException re) throw re;
            throw new IllegalStateException(e);
        }
    }
}

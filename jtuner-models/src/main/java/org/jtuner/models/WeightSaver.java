package org.jtuner.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Tensor;

/**
 * A module's parameters as checkpoint tensors (its state dict), named by a {@link KeyMap}'s first layout, written
 * as {@code save_pretrained} writes them. A parameter shared under two names (tied embeddings) is written once,
 * under its first name, as transformers drops tied weights.
 *
 * <pre>{@code
 * WeightSaver.save(model, KeyMap.identity(), dir);                       // model.safetensors (or shards + index)
 * List<TensorEntry> sd = WeightSaver.stateDict(model, keys, name -> true, "BF16");
 * }</pre>
 */
public final class WeightSaver {
    private WeightSaver() {}

    /** Shard size for {@link #save}: 5 GB, transformers 4's {@code max_shard_size} default. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    /**
     * Entries for the parameters whose names pass {@code include}, in module order.
     *
     * @param dtype "F32", "BF16" or "F16" to convert every tensor to, or null to keep each parameter's dtype
     */
    public static List<TensorEntry> stateDict(Module module, KeyMap keyMap, Predicate<String> include, String dtype) {
        List<TensorEntry> out = new ArrayList<>();
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            if (!seen.add(e.getValue()) || !include.test(e.getKey())) continue;
            out.add(entry(keyMap.checkpointKey(e.getKey()), e.getValue().value(), dtype));
        }
        return out;
    }

    /** Every parameter, in its own dtype. */
    public static List<TensorEntry> stateDict(Module module, KeyMap keyMap) {
        return stateDict(module, keyMap, name -> true, null);
    }

    /**
     * One tensor as an entry named {@code name}. A CPU tensor kept in its dtype is not copied: the entry reads its
     * memory when the file is written, so write before closing the module. Conversions are copied.
     */
    public static TensorEntry entry(String name, Tensor t, String dtype) {
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        String stored = switch (t.dtype()) {
            case F32 -> "F32";
            case BF16 -> "BF16";
            case F16 -> "F16";
            case I32 -> "I32";
        };
        String target = dtype == null ? stored : dtype;
        if (t.dtype() == DType.I32) {
            return TensorEntry.ofInts(name, target, shape, t.toIntArray());
        }
        if (target.equals(stored) && t.device().kind() == Device.Kind.CPU) {
            return TensorEntry.of(name, target, shape, t.segment()); // the raw bytes: exact, no copy
        }
        return TensorEntry.ofFloats(name, target, shape, t.toFloatArray());
    }

    /** Writes {@link #stateDict} into {@code dir} as {@code model.safetensors} (or shards with an index). */
    public static List<Path> save(Module module, KeyMap keyMap, Path dir) throws IOException {
        return ShardedCheckpoint.write(dir, stateDict(module, keyMap), Map.of("format", "pt"), DEFAULT_MAX_SHARD_BYTES);
    }
}

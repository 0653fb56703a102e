package org.jtuner.models;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorInfo;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.DType;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * Loads checkpoint tensors into a module's parameters by name. For every parameter ({@link Module#namedParameters},
 * a parameter shared under two names is loaded once) the {@link KeyMap} gives the checkpoint keys to try; the first
 * present one is read, its shape checked, and converted: F32, BF16 and F16 in the file become F32 parameters, or stay
 * BF16/F16 for frozen parameters when {@link Options#keepHalfPrecisionFrozen} asks.
 *
 * <p>Strict by default: a missing weight, a shape mismatch or an unexpected checkpoint key is an error naming the
 * tensor and the checkpoint. {@link Options} relaxes each where a caller means it.
 *
 * <pre>{@code
 * LoadReport r = WeightLoader.load(model, dir, KeyMap.identity(), Options.strict());
 * }</pre>
 */
public final class WeightLoader {
    private WeightLoader() {}

    /**
     * @param keepHalfPrecisionFrozen keep BF16/F16 weights in their dtype when the parameter is frozen (not trainable)
     * @param allowUnexpected         checkpoint keys no parameter reads are reported, not an error
     * @param ignoreUnexpected        checkpoint keys matching one of these (whole key) are neither an error nor reported
     *                                (as transformers' {@code _keys_to_ignore_on_load_unexpected})
     * @param allowMissing            parameters (whole name) that may be absent: they keep their current value
     * @param device                  where the loaded tensors live
     */
    public record Options(boolean keepHalfPrecisionFrozen, boolean allowUnexpected, List<Pattern> ignoreUnexpected,
                          List<Pattern> allowMissing, Device device) {
        public Options {
            ignoreUnexpected = List.copyOf(ignoreUnexpected);
            allowMissing = List.copyOf(allowMissing);
        }

        /** Everything F32, every parameter present, every checkpoint key used, on the CPU. */
        public static Options strict() {
            return new Options(false, false, List.of(), List.of(), Device.CPU);
        }

        public Options keepHalfPrecisionFrozen(boolean keep) {
            return new Options(keep, allowUnexpected, ignoreUnexpected, allowMissing, device);
        }

        public Options allowUnexpected(boolean allow) {
            return new Options(keepHalfPrecisionFrozen, allow, ignoreUnexpected, allowMissing, device);
        }

        public Options ignoreUnexpected(String... regexes) {
            return new Options(keepHalfPrecisionFrozen, allowUnexpected, plus(ignoreUnexpected, regexes), allowMissing, device);
        }

        public Options allowMissing(String... regexes) {
            return new Options(keepHalfPrecisionFrozen, allowUnexpected, ignoreUnexpected, plus(allowMissing, regexes), device);
        }

        public Options device(Device d) {
            return new Options(keepHalfPrecisionFrozen, allowUnexpected, ignoreUnexpected, allowMissing, d);
        }

        private static List<Pattern> plus(List<Pattern> list, String[] regexes) {
            List<Pattern> out = new ArrayList<>(list);
            for (String r : regexes) out.add(Pattern.compile(r));
            return out;
        }

        private static boolean anyMatches(List<Pattern> patterns, String s) {
            for (Pattern p : patterns) if (p.matcher(s).matches()) return true;
            return false;
        }
    }

    /**
     * What a load did.
     *
     * @param loaded     parameter name → the checkpoint key it was read from
     * @param missing    parameters left as they were (only those {@link Options#allowMissing} lets be absent)
     * @param unexpected checkpoint keys that no parameter read (only when {@link Options#allowUnexpected})
     */
    public record LoadReport(Map<String, String> loaded, List<String> missing, List<String> unexpected) {
        public LoadReport {
            loaded = Collections.unmodifiableMap(new LinkedHashMap<>(loaded));
            missing = List.copyOf(missing);
            unexpected = List.copyOf(unexpected);
        }
    }

    /** Opens the checkpoint in {@code dir} (one file, or shards with an index) and loads it into {@code module}. */
    public static LoadReport load(Module module, Path dir, KeyMap keyMap, Options options) throws IOException {
        try (ShardedCheckpoint checkpoint = ShardedCheckpoint.open(dir)) {
            return load(module, WeightSource.of(checkpoint), keyMap, options);
        }
    }

    public static LoadReport load(Module module, WeightSource source, KeyMap keyMap, Options options) {
        Map<String, String> loaded = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        Set<String> used = new TreeSet<>();
        Set<Parameter> done = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            if (!done.add(p)) continue; // tied: already loaded under its first name
            List<String> tried = keyMap.candidates(name);
            String key = tried.stream().filter(source::contains).findFirst().orElse(null);
            if (key == null) {
                if (Options.anyMatches(options.allowMissing(), name)) {
                    missing.add(name);
                    continue;
                }
                throw new IllegalArgumentException(source.location() + ": no weight for parameter '" + name
                        + "' (tried " + tried + ")" + similarKeys(source, name));
            }
            p.set(read(source, key, name, p, options));
            loaded.put(name, key);
            used.add(key);
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : source.names()) {
            if (!used.contains(key) && !Options.anyMatches(options.ignoreUnexpected(), key)) unexpected.add(key);
        }
        if (!unexpected.isEmpty() && !options.allowUnexpected()) {
            throw new IllegalArgumentException(source.location() + ": " + unexpected.size()
                    + " checkpoint tensor(s) that no parameter of " + module.getClass().getSimpleName() + " reads: "
                    + abbreviate(unexpected) + " (wrong model type or key layout? allow them with Options.allowUnexpected)");
        }
        return new LoadReport(loaded, missing, unexpected);
    }

    /** One checkpoint tensor as the parameter's new value, checked and converted. */
    private static Tensor read(WeightSource source, String key, String name, Parameter p, Options options) {
        TensorInfo info = source.info(key);
        int[] expected = p.shape();
        long[] actual = info.shape();
        if (!sameShape(expected, actual)) {
            throw new IllegalArgumentException(source.location() + ": tensor '" + key + "' has shape "
                    + Arrays.toString(actual) + " in the checkpoint, but parameter '" + name + "' has shape "
                    + Arrays.toString(expected) + " (does config.json match the weights?)");
        }
        DType fileType = switch (info.dtype()) {
            case "F32" -> DType.F32;
            case "BF16" -> DType.BF16;
            case "F16" -> DType.F16;
            default -> throw new IllegalArgumentException(source.location() + ": tensor '" + key + "' is "
                    + info.dtype() + "; weights must be F32, BF16 or F16");
        };
        DType target = options.keepHalfPrecisionFrozen() && !p.trainable() ? fileType : DType.F32;
        MemorySegment bytes = source.data(key);
        return Scope.unscoped(() -> {
            if (fileType == target) return Tensor.fromBytes(options.device(), fileType, bytes, expected);
            try (Scope s = Scope.open()) {
                Tensor raw = Tensor.fromBytes(options.device(), fileType, bytes, expected);
                return s.keep(raw.to(target));
            }
        });
    }

    private static boolean sameShape(int[] a, long[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
        return true;
    }

    /** A hint: checkpoint keys that end like the parameter's last two name parts. */
    private static String similarKeys(WeightSource source, String name) {
        String[] parts = name.split("\\.");
        String tail = parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : name;
        List<String> similar = source.names().stream().filter(k -> k.endsWith(tail)).limit(5).toList();
        return similar.isEmpty() ? "; the checkpoint has " + source.names().size() + " tensors, e.g. "
                + abbreviate(source.names().stream().limit(5).toList())
                : "; the checkpoint has similar keys: " + similar;
    }

    static String abbreviate(List<String> names) {
        int limit = 20;
        if (names.size() <= limit) return names.toString();
        return names.subList(0, limit) + " ... and " + (names.size() - limit) + " more";
    }
}

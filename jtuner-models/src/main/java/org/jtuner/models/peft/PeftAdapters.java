package org.jtuner.models.peft;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.json.PythonJson;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.WeightSource;
import org.jtuner.models.WeightSaver;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.nn.Linear;
import org.jtuner.nn.Lora;
import org.jtuner.nn.LoraSpec;
import org.jtuner.nn.Module;

/**
 * PEFT LoRA adapters on disk, as {@code PeftModel.save_pretrained} writes them and {@code PeftModel.from_pretrained}
 * reads them: {@code adapter_config.json} and {@code adapter_model.safetensors}, whose keys are
 * {@code base_model.model.} + the module path + {@code .lora_A.weight} / {@code .lora_B.weight} (the adapter name
 * "default" is not in the file). Module paths are our parameter names, which are transformers' in-memory names.
 *
 * <p>Supported: {@code r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules} (a list of names, a
 * regular expression, or "all-linear"), {@code exclude_modules} (a list), {@code use_rslora} (scaling
 * alpha/√r instead of alpha/r), {@code bias: "none"}, {@code fan_in_fan_out} (PEFT itself resets it to false for
 * {@code nn.Linear}, the only layer we adapt). Refused with an error: DoRA, LoRA biases, {@code bias} other than
 * "none", {@code rank_pattern}/{@code alpha_pattern}, {@code modules_to_save}, {@code layers_to_transform},
 * {@code target_parameters}, {@code trainable_token_indices}, other PEFT types.
 */
public final class PeftAdapters {
    private PeftAdapters() {}

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The prefix PEFT's model wrapper adds to every module path. */
    public static final String KEY_PREFIX = "base_model.model.";
    /** The PEFT release whose adapter_config.json fields {@link #save} writes. */
    public static final String PEFT_FORMAT_VERSION = "0.21.0";

    /**
     * What was loaded.
     *
     * @param spec      the LoRA settings (alpha as written in the config, also with rsLoRA)
     * @param useRslora scaling is alpha/√r
     * @param adapted   the module paths that got an adapter
     * @param config    adapter_config.json as read
     */
    public record LoadedAdapter(LoraSpec spec, boolean useRslora, List<String> adapted, ObjectNode config) {}

    /** {@link #load(Module, Path, boolean)} for inference: adapters frozen, as PEFT's from_pretrained does by default. */
    public static LoadedAdapter load(Module model, Path adapterDir) throws IOException {
        return load(model, adapterDir, false);
    }

    /**
     * Adds the adapters that {@code adapterDir} describes to {@code model} (freezing the base weights) and loads
     * their weights. Every adapter must find its two weights and every weight in the file must be used.
     *
     * @param trainable whether the adapter weights train (to continue training) or stay frozen (inference)
     */
    public static LoadedAdapter load(Module model, Path adapterDir, boolean trainable) throws IOException {
        return load(model, adapterDir, trainable, KeyMap.prefix(KEY_PREFIX));
    }

    /**
     * {@link #load(Module, Path, boolean)} with the parameter name → adapter key map spelled out: a CLIP tower's
     * adapter, saved from a {@code CLIPVisionModel}, has keys {@code base_model.model.vision_model.*} where the
     * tower's parameters have no {@code vision_model.} prefix.
     */
    public static LoadedAdapter load(Module model, Path adapterDir, boolean trainable, KeyMap keyMap) throws IOException {
        Path configFile = adapterDir.resolve(CONFIG_FILE);
        ObjectNode c = HfConfigs.readJson(configFile);
        LoraSpec spec;
        boolean rslora;
        try {
            refuseUnsupported(c);
            rslora = c.path("use_rslora").asBoolean(false);
            spec = spec(c);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configFile + ": " + e.getMessage(), e);
        }
        List<String> adapted = apply(model, spec, rslora, new Random(0));
        // adapter_model.safetensors, or the adapter_model.bin older PEFT releases wrote (read without running it)
        try (ShardedCheckpoint weights = ShardedCheckpoint.open(adapterDir, "adapter_model")) {
            WeightLoader.load(model, WeightSource.of(weights), keyMap,
                    WeightLoader.Options.strict().allowMissing("^(?!.*\\.lora_[AB]\\.weight$).*"));
        }
        for (String path : adapted) {
            Linear l = (Linear) model.module(path);
            l.loraA().setTrainable(trainable);
            l.loraB().setTrainable(trainable);
        }
        return new LoadedAdapter(spec, rslora, adapted, c);
    }

    /**
     * {@link Lora#apply} with PEFT's rsLoRA option: with {@code useRslora} the adapters scale by alpha/√r. The base
     * is frozen; returns the adapted module paths.
     */
    public static List<String> apply(Module model, LoraSpec spec, boolean useRslora, Random random) {
        // Linear.addLora scales by alpha/r; alpha·√r / r = alpha/√r.
        LoraSpec effective = useRslora ? new LoraSpec(spec.r(), spec.alpha() * Math.sqrt(spec.r()), spec.dropout(),
                spec.targetModules(), spec.targetRegex(), spec.allLinear(), spec.excluded()) : spec;
        return Lora.apply(model, effective, random);
    }

    /**
     * Writes the adapters of {@code model} as PEFT does, for a causal LM ({@code task_type "CAUSAL_LM"}).
     * {@code spec} is what the adapters were made with; whether they use rsLoRA is read off their scaling.
     */
    public static void save(Module model, LoraSpec spec, Path dir, String baseModelPath) throws IOException {
        save(model, spec, dir, baseModelPath, "CAUSAL_LM");
    }

    /**
     * {@link #save(Module, LoraSpec, Path, String)} with another {@code task_type}; null writes what PEFT writes for
     * a model wrapped without a task type (then {@code auto_mapping} names the base model class).
     */
    public static void save(Module model, LoraSpec spec, Path dir, String baseModelPath, String taskType) throws IOException {
        save(model, spec, dir, baseModelPath, taskType, KeyMap.prefix(KEY_PREFIX));
    }

    /**
     * {@link #save(Module, LoraSpec, Path, String, String)} with the parameter name → adapter key map spelled out (a
     * CLIP tower's adapter names its keys {@code base_model.model.vision_model.*}, as a {@code CLIPVisionModel}'s).
     */
    public static void save(Module model, LoraSpec spec, Path dir, String baseModelPath, String taskType, KeyMap keyMap)
            throws IOException {
        Map<String, Linear> adapters = adapters(model);
        if (adapters.isEmpty()) throw new IllegalArgumentException("the model has no LoRA adapters to save");
        boolean rslora = rslora(adapters, spec);
        Files.createDirectories(dir);
        List<TensorEntry> weights = WeightSaver.stateDict(model, keyMap,
                name -> name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight"), null);
        ShardedCheckpoint.write(dir, "adapter_model", weights, Map.of("format", "pt"), Long.MAX_VALUE);
        ObjectNode config = config(model, spec, adapters, rslora, baseModelPath, taskType);
        Files.writeString(dir.resolve(CONFIG_FILE), PythonJson.dumps(config, true), StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------- reading the config

    private static void refuseUnsupported(ObjectNode c) {
        String type = c.path("peft_type").asText("LORA");
        if (!type.equals("LORA")) throw new IllegalArgumentException("peft_type " + type + " is not supported (only LORA)");
        if (c.path("use_dora").asBoolean(false)) throw new IllegalArgumentException("DoRA (use_dora) is not supported");
        if (c.path("lora_bias").asBoolean(false)) throw new IllegalArgumentException("lora_bias is not supported");
        String bias = c.path("bias").asText("none");
        if (!bias.equals("none")) throw new IllegalArgumentException("bias \"" + bias + "\" is not supported (only \"none\")");
        for (String field : List.of("rank_pattern", "alpha_pattern")) {
            if (c.path(field).isObject() && !c.path(field).isEmpty()) {
                throw new IllegalArgumentException(field + " (per-module ranks or alphas) is not supported");
            }
        }
        for (String field : List.of("modules_to_save", "layers_to_transform", "target_parameters",
                "trainable_token_indices", "layer_replication")) {
            JsonNode n = c.path(field);
            if (!n.isMissingNode() && !n.isNull() && !(n.isArray() && n.isEmpty())) {
                throw new IllegalArgumentException(field + " is not supported (it is " + n + ")");
            }
        }
        if (c.path("exclude_modules").isTextual()) {
            throw new IllegalArgumentException("exclude_modules as a regular expression is not supported (a list is)");
        }
    }

    private static LoraSpec spec(ObjectNode c) {
        int r = c.path("r").asInt(8);
        double alpha = c.path("lora_alpha").asDouble(8);
        double dropout = c.path("lora_dropout").asDouble(0);
        List<String> excluded = strings(c.path("exclude_modules"));
        JsonNode t = c.path("target_modules");
        if (t.isTextual() && t.asText().equalsIgnoreCase("all-linear")) {
            return new LoraSpec(r, alpha, dropout, List.of(), null, true, excluded);
        }
        if (t.isTextual()) return new LoraSpec(r, alpha, dropout, List.of(), t.asText(), false, excluded);
        if (t.isArray() && !t.isEmpty()) return new LoraSpec(r, alpha, dropout, strings(t), null, false, excluded);
        throw new IllegalArgumentException("target_modules must be a list of names or a regular expression, got " + t);
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        if (n.isArray()) for (JsonNode e : n) out.add(e.asText());
        return out;
    }

    // ---------------------------------------------------------------- writing the config

    /** Adapted linear layers by module path, in module order. */
    private static Map<String, Linear> adapters(Module model) {
        Map<String, Linear> out = new java.util.LinkedHashMap<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Linear l && l.hasLora()) out.put(path, l);
        });
        return out;
    }

    private static boolean rslora(Map<String, Linear> adapters, LoraSpec spec) {
        Set<Linear> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Boolean rs = null;
        for (Map.Entry<String, Linear> e : adapters.entrySet()) {
            Linear l = e.getValue();
            if (!seen.add(l)) continue;
            int r = l.loraA().outFeatures();
            if (r != spec.r()) {
                throw new IllegalArgumentException("adapter at " + e.getKey() + " has rank " + r + ", the spec says " + spec.r());
            }
            double plain = spec.alpha() / r, root = spec.alpha() / Math.sqrt(r);
            boolean isPlain = Math.abs(l.loraScaling() - plain) <= 1e-9 * Math.abs(plain);
            boolean isRoot = Math.abs(l.loraScaling() - root) <= 1e-9 * Math.abs(root);
            if (!isPlain && !isRoot) {
                throw new IllegalArgumentException("adapter at " + e.getKey() + " scales by " + l.loraScaling()
                        + ", which is neither alpha/r (" + plain + ") nor alpha/sqrt(r) (" + root + ") for the spec's alpha "
                        + spec.alpha());
            }
            boolean thisRs = isRoot && !isPlain; // r = 1: both agree; plain
            if (rs != null && rs != thisRs) throw new IllegalArgumentException("adapters mix rsLoRA and plain scaling");
            rs = thisRs;
        }
        return rs != null && rs;
    }

    /** adapter_config.json with every field PEFT 0.21 writes for a LoRA adapter, in PEFT's sorted-key layout. */
    private static ObjectNode config(Module model, LoraSpec spec, Map<String, Linear> adapters, boolean rslora,
                                     String baseModelPath, String taskType) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode c = f.objectNode();
        c.putNull("alora_invocation_tokens");
        c.putObject("alpha_pattern");
        c.putNull("arrow_config");
        if (taskType == null) {
            String[] auto = autoMapping(model);
            if (auto != null) c.putObject("auto_mapping").put("base_model_class", auto[0]).put("parent_library", auto[1]);
        }
        c.put("base_model_name_or_path", baseModelPath);
        c.put("bias", "none");
        c.putNull("corda_config");
        c.put("ensure_weight_tying", false);
        c.putNull("eva_config");
        if (spec.excluded().isEmpty()) c.putNull("exclude_modules");
        else spec.excluded().forEach(c.putArray("exclude_modules")::add);
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.putNull("kasa_config");
        c.putNull("layer_replication");
        c.putNull("layers_pattern");
        c.putNull("layers_to_transform");
        c.putObject("loftq_config");
        putNumber(c, "lora_alpha", spec.alpha());
        c.put("lora_bias", false);
        putNumber(c, "lora_dropout", spec.dropout());
        c.putNull("lora_ga_config");
        c.putNull("megatron_config");
        c.put("megatron_core", "megatron.core");
        c.putNull("modules_to_save");
        c.putNull("monteclora_config");
        c.put("peft_type", "LORA");
        c.put("peft_version", PEFT_FORMAT_VERSION);
        c.put("qalora_group_size", 16);
        c.put("r", spec.r());
        c.putObject("rank_pattern");
        c.putNull("revision");
        if (spec.targetRegex() != null) {
            c.put("target_modules", spec.targetRegex());
        } else {
            ArrayNode targets = c.putArray("target_modules");
            // all-linear: PEFT saves the names of the layers it found, as it does here
            List<String> names = spec.allLinear()
                    ? new ArrayList<>(new TreeSet<>(adapters.keySet().stream().map(p -> p.substring(p.lastIndexOf('.') + 1)).toList()))
                    : spec.targetModules();
            names.forEach(targets::add);
        }
        c.putNull("target_parameters");
        if (taskType == null) c.putNull("task_type");
        else c.put("task_type", taskType);
        c.putNull("trainable_token_indices");
        c.putNull("use_bdlora");
        c.put("use_dora", false);
        c.put("use_qalora", false);
        c.put("use_rslora", rslora);
        c.putNull("velora_config");
        return c;
    }

    /** Whole numbers as ints (PEFT's lora_alpha is usually an int), others as floats. */
    private static void putNumber(ObjectNode c, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < Integer.MAX_VALUE && !key.equals("lora_dropout")) c.put(key, (int) v);
        else c.put(key, v);
    }

    /** PEFT's auto_mapping for the base model class, when we know transformers' name for it. */
    private static String[] autoMapping(Module model) {
        if (model instanceof LlamaForCausalLM lm) {
            return switch (lm.config().modelType()) {
                case "llama" -> new String[] {"LlamaForCausalLM", "transformers.models.llama.modeling_llama"};
                case "mistral" -> new String[] {"MistralForCausalLM", "transformers.models.mistral.modeling_mistral"};
                case "qwen2" -> new String[] {"Qwen2ForCausalLM", "transformers.models.qwen2.modeling_qwen2"};
                default -> null; // InternLM2 is remote code: its module name depends on where it was loaded from
            };
        }
        if (model.getClass().getSimpleName().equals("LlavaForConditionalGeneration")) {
            return new String[] {"LlavaForConditionalGeneration", "transformers.models.llava.modeling_llava"};
        }
        return null;
    }

}

package org.jtuner.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.jtuner.io.config.HfConfig;
import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.SafetensorsWriter;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.io.safetensors.TensorEntry;
import org.jtuner.models.KeyMap;
import org.jtuner.models.llama.LlamaCheckpoints;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.models.llava.LlavaKeys;
import org.jtuner.models.mllama.MllamaConfig;
import org.jtuner.nn.Module;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jtuner forward}: one forward (and, with labels, backward) pass of a Hugging Face model directory on inputs
 * from a safetensors file; writes logits, the loss and every parameter's gradient, named as the directory's
 * checkpoint names them. For debugging, and for checking parity from outside.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run a model on input_ids/attention_mask[/labels/pixel_values] and write logits, loss and gradients.")
final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A Llama-family or LLaVA model folder.")
    Path model;

    @Option(names = "--inputs", required = true, paramLabel = "IN.safetensors",
            description = "input_ids and attention_mask [B, T] (I64 or I32), optional labels and pixel_values.")
    Path inputs;

    @Option(names = "--output", required = true, paramLabel = "OUT.safetensors", description = "Where to write the results.")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (MllamaConfig.MODEL_TYPE.equals(HfConfigs.readJson(model.resolve(HfConfigs.CONFIG_FILE)).path("model_type").asText())) {
            return new MllamaForward(model, inputs, output).run();
        }
        HfConfig config = HfConfigs.load(model);
        boolean llava = config.modelType().equals("llava");
        Module m = llava ? LlavaForConditionalGeneration.load(model) : LlamaForCausalLM.load(model);
        KeyMap keys = llava ? LlavaKeys.CHECKPOINT : LlamaCheckpoints.keyMap(config.modelType());
        try (m; SafetensorsFile in = SafetensorsFile.open(inputs); Scope scope = Scope.open()) {
            Tensor ids = ints(inputs, in, "input_ids", true);
            Tensor mask = ints(inputs, in, "attention_mask", false);
            Tensor labels = ints(inputs, in, "labels", false);
            Tensor pixels = in.contains("pixel_values") ? Tensor.of(in.readFloats("pixel_values"), shape(in, "pixel_values")) : null;
            m.setTrainable(labels != null);
            Tensor logits = llava ? ((LlavaForConditionalGeneration) m).forward(ids, mask, pixels)
                    : ((LlamaForCausalLM) m).forward(((LlamaForCausalLM) m).embedTokens().forward(ids), mask, null);
            List<TensorEntry> out = new ArrayList<>();
            out.add(entry("logits", logits));
            if (labels != null) {
                Tensor loss = LlamaForCausalLM.causalLmLoss(logits, labels);
                loss.backward();
                out.add(entry("loss", loss.reshape(1)));
                for (Map.Entry<String, String> e : checkpointNames(m, keys).entrySet()) {
                    Tensor g = m.parameter(e.getKey()).value().grad();
                    if (g != null) out.add(entry("grad." + e.getValue(), g));
                }
            }
            SafetensorsWriter.write(output, out, Map.of("format", "pt"));
            System.out.println("forward: wrote " + out.size() + " tensors to " + output);
        }
        return 0;
    }

    /** Each parameter's name in the directory's checkpoint: the first of its key map's candidates present there. */
    private Map<String, String> checkpointNames(Module m, KeyMap keys) throws IOException {
        Map<String, String> names = new LinkedHashMap<>();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(model)) {
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                String key = keys.candidates(e.getKey()).stream().filter(ckpt::contains).findFirst().orElse(e.getKey());
                names.put(e.getKey(), key);
            }
        }
        return names;
    }

    static Tensor ints(Path inputs, SafetensorsFile in, String name, boolean required) {
        if (!in.contains(name)) {
            if (required) throw new IllegalArgumentException(inputs + ": no tensor '" + name + "' (names: " + in.names() + ")");
            return null;
        }
        long[] v = in.readLongs(name);
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = Math.toIntExact(v[i]);
        return Tensor.ofInts(out, shape(in, name));
    }

    static int[] shape(SafetensorsFile in, String name) {
        long[] s = in.info(name).shape();
        int[] out = new int[s.length];
        for (int i = 0; i < s.length; i++) out[i] = Math.toIntExact(s[i]);
        return out;
    }

    static TensorEntry entry(String name, Tensor t) {
        int[] s = t.shape();
        long[] shape = new long[s.length];
        for (int i = 0; i < s.length; i++) shape[i] = s[i];
        return TensorEntry.ofFloats(name, shape, t.toFloatArray());
    }
}

package org.jtuner.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.LlamaConfig;
import org.jtuner.models.llama.LlamaDecoderLayer;
import org.jtuner.models.llama.RotaryEmbedding;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;

/**
 * Forward + backward of one Llama decoder layer (hidden 512, 8 heads, 4 kv heads, MLP 1376, batch 8 × 192, F32,
 * all weights trained): the Java side of bench/engine.sh. Prints {@code jtuner decoder_layer ms <median>}.
 */
public final class DecoderLayerBench {
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int batch = 8, seq = 192;
        ObjectNode json = JsonNodeFactory.instance.objectNode()
                .put("model_type", "llama").put("hidden_size", 512).put("intermediate_size", 1376)
                .put("num_hidden_layers", 1).put("num_attention_heads", 8).put("num_key_value_heads", 4)
                .put("vocab_size", 32).put("rms_norm_eps", 1e-6).put("hidden_act", "silu");
        LlamaConfig config = LlamaConfig.fromJson(json);
        Random random = new Random(0);
        LlamaDecoderLayer layer = new LlamaDecoderLayer(config, random);
        layer.setTrainable(true);
        int[] positions = new int[batch * seq];
        for (int i = 0; i < positions.length; i++) positions[i] = i % seq;
        Tensor[] rope = new RotaryEmbedding(config.rope(), config.headDim()).tables(Device.CPU, positions, batch, seq);
        Tensor x = Tensor.randn(random, 1, batch, seq, 512);
        Tensor seed = Tensor.randn(random, 1, batch, seq, 512);
        double[] times = new double[steps];
        for (int i = 0; i < 3 + steps; i++) {
            layer.namedParameters().values().forEach(p -> p.value().zeroGrad());
            long t0 = System.nanoTime();
            try (Scope s = Scope.open()) {
                layer.forward(x, rope[0], rope[1], null, null).backward(seed);
            }
            double ms = (System.nanoTime() - t0) / 1e6;
            if (i >= 3) times[i - 3] = ms;
        }
        Arrays.sort(times);
        System.out.printf(Locale.ROOT, "jtuner decoder_layer ms %.2f%n", times[steps / 2]);
    }
}

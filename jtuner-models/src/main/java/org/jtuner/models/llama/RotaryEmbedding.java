package org.jtuner.models.llama;

import org.jtuner.io.config.RopeParameters;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.F;
import org.jtuner.tensor.Tensor;

/**
 * Rotary position tables as transformers' {@code LlamaRotaryEmbedding} computes them: inverse frequencies from
 * the config's rope parameters ({@code default}, {@code linear}, {@code llama3}), angles = position · inv_freq in
 * float32, duplicated over both halves of the head dimension, then cos and sin.
 */
public final class RotaryEmbedding {
    private final float[] invFreq; // [dim / 2]

    public RotaryEmbedding(RopeParameters rope, int headDim) {
        this.invFreq = inverseFrequencies(rope, headDim);
    }

    /** inv_freq[i] = 1 / theta^(2i/dim) in float32, then scaled as the rope type says. */
    static float[] inverseFrequencies(RopeParameters rope, int dim) {
        float[] inv = F.ropeInverseFrequencies(dim, rope.theta(), 1);
        switch (rope.type()) {
            case "default" -> { }
            case "linear" -> {
                for (int i = 0; i < inv.length; i++) inv[i] = (float) (inv[i] / rope.factor());
            }
            case "llama3" -> llama3(inv, rope);
            default -> throw new IllegalArgumentException("rope type '" + rope.type()
                    + "' is not supported (supported: default, linear, llama3)");
        }
        return inv;
    }

    /** transformers' {@code _compute_llama3_parameters}: low frequencies divided by factor, a smooth band between. */
    private static void llama3(float[] inv, RopeParameters rope) {
        double factor = rope.factor();
        double low = rope.extra("low_freq_factor", 1.0), high = rope.extra("high_freq_factor", 4.0);
        double original = rope.extra("original_max_position_embeddings", 8192);
        double lowWavelen = original / low, highWavelen = original / high;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > lowWavelen) {
                inv[i] = (float) (inv[i] / factor);
            } else if (wavelen >= highWavelen) {
                double smooth = (original / wavelen - low) / (high - low);
                inv[i] = (float) ((1 - smooth) * inv[i] / factor + smooth * inv[i]);
            }
        }
    }

    /** cos and sin [B, T, dim] for positions [B, T] (row-major). */
    public Tensor[] tables(Device device, int[] positions, int batch, int length) {
        return F.ropeTables(device, positions, batch, length, invFreq);
    }
}

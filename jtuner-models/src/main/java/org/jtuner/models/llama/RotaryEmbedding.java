package org.jtuner.models.llama;

import org.jtuner.io.config.RopeParameters;
import org.jtuner.tensor.Device;
import org.jtuner.tensor.Tensor;

/**
 * Rotary position tables as transformers' {@code LlamaRotaryEmbedding} computes them: inverse frequencies from
 * the config's rope parameters ({@code default}, {@code linear}, {@code llama3}), angles = position · inv_freq in
 * float32, duplicated over both halves of the head dimension, then cos and sin.
 */
public final class RotaryEmbedding {
    private final float[] invFreq; // [dim / 2]
    private final int dim;

    public RotaryEmbedding(RopeParameters rope, int headDim) {
        this.dim = headDim;
        this.invFreq = inverseFrequencies(rope, headDim);
    }

    /** inv_freq[i] = 1 / theta^(2i/dim) in float32, then scaled as the rope type says. */
    static float[] inverseFrequencies(RopeParameters rope, int dim) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / dim;
            inv[i] = (float) (1.0 / (float) Math.pow(rope.theta(), exponent));
        }
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
        int half = dim / 2;
        float[] cos = new float[positions.length * dim], sin = new float[positions.length * dim];
        for (int p = 0; p < positions.length; p++) {
            for (int i = 0; i < half; i++) {
                float angle = (float) positions[p] * invFreq[i];
                float c = (float) Math.cos(angle), s = (float) Math.sin(angle);
                cos[p * dim + i] = c;
                cos[p * dim + i + half] = c;
                sin[p * dim + i] = s;
                sin[p * dim + i + half] = s;
            }
        }
        return new Tensor[] {Tensor.of(device, cos, batch, length, dim), Tensor.of(device, sin, batch, length, dim)};
    }
}

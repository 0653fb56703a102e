package org.jtuner.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.Function;

import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** Activation checkpointing gives the same gradients with less memory held between forward and backward. */
class CheckpointTest {
    static final int LAYERS = 6, ROWS = 256, WIDTH = 64, HIDDEN = 256;

    @Test
    void identicalGradientsAndLowerPeakMemory() {
        Random r = new Random(3);
        Tensor[] w1 = new Tensor[LAYERS], w2 = new Tensor[LAYERS];
        for (int i = 0; i < LAYERS; i++) {
            w1[i] = Tensor.randn(r, 0.1, HIDDEN, WIDTH).requiresGrad(true);
            w2[i] = Tensor.randn(r, 0.1, WIDTH, HIDDEN).requiresGrad(true);
        }
        Tensor x = Tensor.randn(r, 1, ROWS, WIDTH).requiresGrad(true);
        long[] peak = new long[2];
        float[][][] grads = new float[2][][];
        for (int mode = 0; mode < 2; mode++) {
            boolean checkpointed = mode == 1;
            CpuBackend.INSTANCE.resetPeakBytes();
            long before = CpuBackend.INSTANCE.liveBytes();
            try (Scope s = Scope.open()) {
                Tensor h = x;
                for (int i = 0; i < LAYERS; i++) {
                    final int layer = i;
                    Function<Tensor[], Tensor> block = in -> Ops.add(in[0],
                            F.linear(F.gelu(F.linear(F.layerNorm(in[0], null, null, 1e-5), w1[layer], null)), w2[layer], null));
                    h = checkpointed ? Autograd.checkpoint(block, h) : block.apply(new Tensor[] {h});
                }
                Ops.mean(Ops.square(h)).backward();
            }
            peak[mode] = CpuBackend.INSTANCE.peakBytes() - before;
            grads[mode] = new float[2 * LAYERS + 1][];
            for (int i = 0; i < LAYERS; i++) {
                grads[mode][2 * i] = w1[i].grad().toFloatArray();
                grads[mode][2 * i + 1] = w2[i].grad().toFloatArray();
                w1[i].zeroGrad();
                w2[i].zeroGrad();
            }
            grads[mode][2 * LAYERS] = x.grad().toFloatArray();
            x.zeroGrad();
        }
        for (int i = 0; i < grads[0].length; i++) assertThat(grads[1][i]).as("gradient %d", i).containsExactly(grads[0][i]);
        assertThat(peak[1]).as("peak bytes with checkpointing vs without (%d)", peak[0]).isLessThan(peak[0] / 2);
    }
}

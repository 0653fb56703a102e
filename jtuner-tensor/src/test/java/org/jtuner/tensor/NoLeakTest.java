package org.jtuner.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.jtuner.tensor.cpu.CpuBackend;
import org.junit.jupiter.api.Test;

/** A thousand forward/backward steps of a small transformer block leave native memory flat. */
class NoLeakTest {

    @Test
    void nativeMemoryStaysFlatOverAThousandSteps() {
        Random r = new Random(1);
        int batch = 2, seq = 8, hidden = 16, heads = 4, kvHeads = 2, headDim = hidden / heads, mlp = 24;
        Tensor[] params = {
            Tensor.randn(r, 0.1, hidden, hidden), Tensor.randn(r, 0.1, kvHeads * headDim, hidden),
            Tensor.randn(r, 0.1, kvHeads * headDim, hidden), Tensor.randn(r, 0.1, hidden, hidden),
            Tensor.randn(r, 0.1, mlp, hidden), Tensor.randn(r, 0.1, mlp, hidden), Tensor.randn(r, 0.1, hidden, mlp),
            Tensor.ones(hidden), Tensor.ones(hidden)};
        for (Tensor p : params) p.requiresGrad(true);
        Tensor x = Tensor.randn(r, 1, batch, seq, hidden);
        int[] pos = new int[batch * seq];
        for (int i = 0; i < pos.length; i++) pos[i] = i % seq;
        Tensor positions = Tensor.ofInts(pos, batch, seq);
        Tensor[] rope = F.ropeTables(Device.CPU, pos, batch, seq, F.ropeInverseFrequencies(headDim, 10000, 1));
        CpuBackend cpu = CpuBackend.INSTANCE;

        long liveAfterWarmup = 0, cachedAfterWarmup = 0;
        for (int step = 0; step < 1000; step++) {
            try (Scope s = Scope.open()) {
                Tensor h = F.rmsNorm(x, params[7], 1e-6);
                Tensor q = F.linear(h, params[0], null).reshape(batch, seq, heads, headDim).permute(0, 2, 1, 3);
                Tensor k = F.linear(h, params[1], null).reshape(batch, seq, kvHeads, headDim).permute(0, 2, 1, 3);
                Tensor v = F.linear(h, params[2], null).reshape(batch, seq, kvHeads, headDim).permute(0, 2, 1, 3);
                Tensor a = F.attention(F.rope(q, rope[0], rope[1]), F.rope(k, rope[0], rope[1]), v, true, null, 0.5);
                Tensor h1 = Ops.add(x, F.linear(a.permute(0, 2, 1, 3).reshape(batch, seq, hidden), params[3], null));
                Tensor m = F.rmsNorm(h1, params[8], 1e-6);
                Tensor out = Ops.add(h1, F.linear(F.swiglu(F.linear(m, params[4], null), F.linear(m, params[5], null)),
                        params[6], null));
                Ops.mean(Ops.square(out)).backward();
            }
            for (Tensor p : params) p.zeroGrad();
            if (step == 9) {
                liveAfterWarmup = cpu.liveBytes();
                cachedAfterWarmup = cpu.cachedBytes();
            }
        }
        assertThat(cpu.liveBytes()).as("live native bytes after 1000 steps").isEqualTo(liveAfterWarmup);
        assertThat(cpu.cachedBytes()).as("cached native bytes after 1000 steps").isEqualTo(cachedAfterWarmup);
        long parametersAndInputs = 0;
        for (Tensor p : params) parametersAndInputs += p.byteSize();
        assertThat(liveAfterWarmup).as("only parameters, input and rope tables stay live")
                .isLessThan(parametersAndInputs + x.byteSize() + positions.byteSize() + 2 * rope[0].byteSize() + 64 * 1024);
        for (Tensor p : params) p.close();
        for (Tensor t : new Tensor[] {x, positions, rope[0], rope[1]}) t.close();
    }
}

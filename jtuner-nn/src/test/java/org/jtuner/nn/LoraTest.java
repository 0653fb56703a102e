package org.jtuner.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;

import org.jtuner.tensor.GradCheck;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.junit.jupiter.api.Test;

class LoraTest {
    static final class Block extends Module {
        final Linear q, v, down;

        Block(Random r) {
            q = registerChild("q_proj", Linear.create(r, 6, 6, false));
            v = registerChild("v_proj", Linear.create(r, 6, 6, true));
            down = registerChild("down_proj", Linear.create(r, 6, 6, false));
        }
    }

    static final class Model extends Module {
        final Block block;
        final Linear head;

        Model(Random r) {
            block = registerChild("block", new Block(r));
            head = registerChild("lm_head", Linear.create(r, 6, 11, false));
        }

        Tensor forward(Tensor x) {
            Tensor h = block.down.forward(block.v.forward(block.q.forward(x)));
            return head.forward(h);
        }
    }

    @Test
    void allLinearSkipsTheHeadAndOnlyAdaptersTrain() {
        try (Model m = new Model(new Random(1))) {
            List<String> adapted = Lora.apply(m, LoraSpec.allLinear(2, 4, 0), new Random(2));
            assertThat(adapted).containsExactly("block.q_proj", "block.v_proj", "block.down_proj");
            assertThat(m.trainableParameters()).hasSize(6);
            assertThat(m.namedParameters()).containsKeys("block.q_proj.lora_A.weight", "block.q_proj.lora_B.weight");
            assertThat(m.parameter("lm_head.weight").trainable()).isFalse();
            assertThat(m.parameter("block.v_proj.bias").trainable()).isFalse();
        }
    }

    @Test
    void namedTargetsMatchPathSuffixesAndNoMatchIsAnError() {
        try (Model m = new Model(new Random(1))) {
            assertThat(Lora.apply(m, LoraSpec.targets(2, 4, 0, List.of("q_proj", "down_proj")), new Random(2)))
                    .containsExactly("block.q_proj", "block.down_proj");
        }
        try (Model m = new Model(new Random(1))) {
            assertThatThrownBy(() -> Lora.apply(m, LoraSpec.targets(2, 4, 0, List.of("k_proj")), new Random(2)))
                    .hasMessageContaining("no linear layer matches");
        }
    }

    @Test
    void adaptedLayerComputesBasePlusScaledLowRankUpdateAndMergesToTheSameFunction() {
        try (Scope s = Scope.open(); Model m = new Model(new Random(1))) {
            Lora.apply(m, LoraSpec.targets(3, 6, 0, List.of("v_proj")), new Random(2));
            Linear v = m.block.v;
            v.loraB().weight().set(Scope.unscoped(() -> Tensor.randn(new Random(3), 0.5, 6, 3)));
            Tensor x = Tensor.randn(new Random(4), 1, 4, 6);
            float[] y = v.forward(x).toFloatArray();
            // closed form: x·Wᵀ + b + (alpha/r)·x·Aᵀ·Bᵀ
            float[] w = v.weight().value().toFloatArray(), b = v.bias().value().toFloatArray();
            float[] a = v.loraA().weight().value().toFloatArray(), bb = v.loraB().weight().value().toFloatArray();
            float[] xv = x.toFloatArray();
            for (int row = 0; row < 4; row++) {
                for (int o = 0; o < 6; o++) {
                    double acc = b[o];
                    for (int i = 0; i < 6; i++) acc += xv[row * 6 + i] * w[o * 6 + i];
                    for (int k = 0; k < 3; k++) {
                        double ax = 0;
                        for (int i = 0; i < 6; i++) ax += xv[row * 6 + i] * a[k * 6 + i];
                        acc += 2.0 * bb[o * 3 + k] * ax;
                    }
                    assertThat((double) y[row * 6 + o]).isCloseTo(acc, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
            float[] before = m.forward(x).toFloatArray();
            assertThat(Lora.merge(m)).isEqualTo(1);
            assertThat(m.namedParameters()).doesNotContainKey("block.v_proj.lora_A.weight");
            float[] after = m.forward(x).toFloatArray();
            for (int i = 0; i < before.length; i++) assertThat(after[i]).isCloseTo(before[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void adapterGradientsMatchFiniteDifferences() {
        try (Model m = new Model(new Random(1))) {
            Lora.apply(m, LoraSpec.targets(2, 4, 0, List.of("q_proj")), new Random(2));
            m.block.q.loraB().weight().set(Scope.unscoped(() -> Tensor.randn(new Random(3), 0.5, 6, 2)));
            Tensor a = m.block.q.loraA().weight().value(), b = m.block.q.loraB().weight().value();
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.randn(new Random(4), 1, 3, 6);
                GradCheck.check("lora", t -> m.forward(x), a, b);
            }
        }
    }
}

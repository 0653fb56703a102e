package org.jtuner.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.jtuner.tensor.autograd.Autograd;
import org.junit.jupiter.api.Test;

/** Autograd semantics, scoped lifetimes, and the plain-spoken errors for misuse. */
class AutogradAndLifetimeTest {

    @Test
    void gradientsAccumulateAcrossBackwardCallsAndSurviveTheStepScope() {
        Tensor w = Tensor.of(new float[] {1, 2, 3}, 3).requiresGrad(true);
        for (int step = 0; step < 2; step++) {
            try (Scope s = Scope.open()) {
                Ops.sum(Ops.mul(w, w)).backward(); // d/dw Σw² = 2w
            }
        }
        assertThat(w.grad().toFloatArray()).containsExactly(4, 8, 12);
        w.zeroGrad();
        assertThat(w.grad()).isNull();
        w.close();
    }

    @Test
    void aTensorUsedTwiceGetsBothContributions() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {3}, 1).requiresGrad(true);
            Tensor y = Ops.add(Ops.mul(x, x), x); // x² + x → 2x + 1 = 7
            Ops.sum(Ops.add(y, y)).backward();   // 2(2x + 1) = 14
            assertThat(x.grad().item()).isEqualTo(14f);
        }
    }

    @Test
    void noGradRecordsNothingAndFrozenLeavesGetNoGradient() throws Exception {
        try (Scope s = Scope.open()) {
            Tensor trainable = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
            Tensor frozen = Tensor.of(new float[] {3, 4}, 2);
            try (AutoCloseable ng = Autograd.noGrad()) {
                Tensor y = Ops.mul(trainable, frozen);
                assertThat(y.requiresGrad()).isFalse();
                assertThat(y.gradFn()).isNull();
            }
            Ops.sum(Ops.mul(trainable, frozen)).backward();
            assertThat(trainable.grad().toFloatArray()).containsExactly(3, 4);
            assertThat(frozen.grad()).isNull();
            assertThat(Ops.mul(frozen, frozen).gradFn()).isNull();
        }
    }

    @Test
    void usingAFreedTensorIsAnIllegalStateException() {
        Tensor escaped;
        try (Scope s = Scope.open()) {
            escaped = Tensor.ones(4);
        }
        assertThat(escaped.isFreed()).isTrue();
        assertThatThrownBy(escaped::toFloatArray).isInstanceOf(IllegalStateException.class).hasMessageContaining("freed");
        assertThatThrownBy(() -> Ops.add(escaped, escaped)).isInstanceOf(IllegalStateException.class);
        Tensor closed = Tensor.ones(2);
        closed.close();
        assertThatThrownBy(() -> closed.mul(2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void keepMovesATensorToTheEnclosingScope() {
        Tensor kept;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                kept = inner.keep(Tensor.ones(2));
            }
            assertThat(kept.isFreed()).isFalse();
        }
        assertThat(kept.isFreed()).isTrue();
    }

    @Test
    void viewsKeepTheirStorageAliveUntilTheLastOneIsClosed() {
        Tensor base = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor view = base.reshape(4);
        base.close();
        assertThat(view.toFloatArray()).containsExactly(1, 2, 3, 4);
        view.close();
        assertThat(view.storage().isFreed()).isTrue();
    }

    @Test
    void backwardMisuseSaysWhatIsWrong() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
            Tensor y = Ops.mul(x, x);
            assertThatThrownBy(y::backward).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("scalar").hasMessageContaining("[2]");
            Tensor constant = Tensor.ones(1);
            assertThatThrownBy(constant::backward).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("does not require grad");
            Tensor loss = Ops.sum(y);
            loss.backward();
            assertThatThrownBy(loss::backward).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("second time");
            Tensor again = Ops.sum(Ops.mul(x, x));
            again.backward(Tensor.ones(), true);
            again.backward(Tensor.ones(), true); // retained: allowed
            assertThat(x.grad().toFloatArray()).containsExactly(2 + 4, 4 + 8); // 2x three times... once + twice
        }
    }

    @Test
    void shapeAndDtypeMismatchesNameTheOpAndBothShapes() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.zeros(2, 3), b = Tensor.zeros(4, 5);
            assertThatThrownBy(() -> Ops.add(a, b)).hasMessageContaining("add").hasMessageContaining("[2, 3]")
                    .hasMessageContaining("[4, 5]");
            assertThatThrownBy(() -> Ops.matmul(a, b)).hasMessageContaining("matmul").hasMessageContaining("[2, 3]")
                    .hasMessageContaining("[4, 5]");
            Tensor ids = Tensor.ofInts(new int[] {1, 2}, 2);
            assertThatThrownBy(() -> Ops.mul(ids, ids)).hasMessageContaining("mul").hasMessageContaining("I32");
            assertThatThrownBy(() -> a.reshape(7)).hasMessageContaining("reshape").hasMessageContaining("[2, 3]");
            assertThatThrownBy(() -> F.embedding(Tensor.ofInts(new int[] {9}, 1), Tensor.zeros(4, 2)))
                    .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("9");
            assertThatThrownBy(() -> F.crossEntropy(Tensor.zeros(2, 3), Tensor.ofInts(new int[] {0, 3}, 2), -100))
                    .hasMessageContaining("label 3");
        }
    }
}

package org.jtuner.nn;

import java.util.Random;

import org.jtuner.tensor.F;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;

/**
 * y = x·Wᵀ + b, optionally with a LoRA adapter: y += (alpha / r) · B(A(dropout(x))), where A ({@code lora_A},
 * [r, in]) and B ({@code lora_B}, [out, r]) are the only trainable weights, as PEFT's LoraLayer does it.
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;
    private final Parameter bias;
    private Linear loraA;
    private Linear loraB;
    private double loraScaling;
    private double loraDropout;
    private long dropoutSeed;

    public Linear(Tensor weight, Tensor bias) {
        this.outFeatures = weight.shape()[0];
        this.inFeatures = weight.shape()[1];
        this.weight = registerParameter("weight", new Parameter(weight, true));
        this.bias = bias == null ? null : registerParameter("bias", new Parameter(bias, true));
    }

    /** A freshly initialised layer, as torch.nn.Linear initialises it. */
    public static Linear create(Random random, int in, int out, boolean bias) {
        return new Linear(Init.linearWeight(random, out, in), bias ? Init.linearBias(random, out, in) : null);
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public Tensor forward(Tensor x) {
        Tensor y = F.linear(x, weight.value(), bias == null ? null : bias.value());
        if (loraA == null) return y;
        // A checkpointed block runs twice; the second run must draw the same dropout mask.
        if (!Autograd.isRecomputing()) dropoutSeed++;
        Tensor in = F.dropout(x, loraDropout, dropoutSeed, isTraining());
        Tensor update = loraB.forward(loraA.forward(in));
        return Ops.add(y, Ops.affine(update, loraScaling, 0));
    }

    // ------------------------------------------------------------------ LoRA

    public boolean hasLora() {
        return loraA != null;
    }

    /**
     * Adds a LoRA adapter of rank r: A initialised as PEFT does (kaiming-uniform with a=√5, i.e.
     * U(-1/√in, 1/√in)), B zeros, so the layer computes the same function until B learns. The base stays as it is
     * (freeze it separately).
     */
    public void addLora(int r, double alpha, double dropout, Random random) {
        if (loraA != null) throw new IllegalStateException("this layer already has a LoRA adapter");
        if (r <= 0) throw new IllegalArgumentException("LoRA rank must be positive, got " + r);
        loraA = registerChild("lora_A", new Linear(Init.linearWeight(random, r, inFeatures), null));
        loraB = registerChild("lora_B", new Linear(Init.zeros(outFeatures, r), null));
        loraScaling = alpha / r;
        loraDropout = dropout;
        dropoutSeed = random.nextLong();
    }

    public Linear loraA() {
        return loraA;
    }

    public Linear loraB() {
        return loraB;
    }

    /** The adapter's dropout counter: checkpoints save it so that a resumed run draws the same masks. */
    public long dropoutCounter() {
        return dropoutSeed;
    }

    public void setDropoutCounter(long counter) {
        dropoutSeed = counter;
    }

    public double loraScaling() {
        return loraScaling;
    }

    /** W += scaling · B·A, then removes the adapter. */
    public void mergeLora() {
        if (loraA == null) throw new IllegalStateException("no LoRA adapter to merge");
        Tensor merged = Scope.unscoped(() -> {
            try (Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
                Tensor delta = Ops.affine(Ops.matmul(loraB.weight.value(), loraA.weight.value()), loraScaling, 0);
                Tensor w = weight.value();
                Tensor sum = Ops.add(w.dtype() == org.jtuner.tensor.DType.F32 ? w : w.to(org.jtuner.tensor.DType.F32), delta);
                Tensor out = sum.to(w.dtype());
                return s.keep(out);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        weight.set(merged);
        removeChild("lora_A");
        removeChild("lora_B");
        loraA = null;
        loraB = null;
    }
}

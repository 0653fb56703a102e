package org.jtuner.tensor;

import org.jtuner.tensor.Backend.Unary;
import org.jtuner.tensor.autograd.Autograd;

/** Differentiable layer-level ops: what models are written with. Shapes are in the comments (B, T, D...). */
public final class F {
    private F() {}

    // ------------------------------------------------------------------ linear layers

    /** y = x · wᵀ + b. x is [..., in], w is [out, in] (F32, or BF16/F16 converted on the fly), b is [out] or null. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        int[] sx = x.shape();
        if (w.rank() != 2 || sx[sx.length - 1] != w.shape()[1]) {
            throw new IllegalArgumentException("linear: input " + x.describe() + " does not fit weight " + w.describe()
                    + " (the last dimension of the input must equal the weight's second)");
        }
        if (b != null && (b.rank() != 1 || b.shape()[0] != w.shape()[0])) {
            throw new IllegalArgumentException("linear: bias " + b.describe() + " does not fit weight " + w.describe());
        }
        Tensor x2 = x.reshape(-1, sx[sx.length - 1]);
        Tensor y = Ops.matmul(x2, false, f32(w), true);
        if (b != null) y = Ops.add(y, f32(b));
        int[] outShape = sx.clone();
        outShape[outShape.length - 1] = w.shape()[0];
        return y.reshape(outShape);
    }

    /** Rows of the embedding table for each id: ids [...] (I32), weight [V, D] → [..., D]. */
    public static Tensor embedding(Tensor ids, Tensor weight) {
        if (weight.dtype() != DType.F32 && !weight.requiresGrad()) {
            // A frozen half-precision table: gather the few rows needed, then convert only those.
            return Ops.cast(Ops.gatherRows(weight, ids), DType.F32);
        }
        return Ops.gatherRows(f32(weight), ids);
    }

    /** A weight as F32 (frozen weights may be stored in BF16/F16); the cast is differentiable. */
    static Tensor f32(Tensor w) {
        return w == null || w.dtype() == DType.F32 ? w : Ops.cast(w, DType.F32);
    }

    /**
     * 2-D convolution whose stride equals its kernel (ViT patch embedding): x [B, C, H, W], w [O, C, k, k],
     * b [O] or null → [B, O, H/k, W/k]. Computed as patch extraction (a permute) and one matrix product.
     */
    public static Tensor conv2dPatches(Tensor x, Tensor w, Tensor b) {
        int[] sx = x.shape(), sw = w.shape();
        if (sx.length != 4 || sw.length != 4 || sx[1] != sw[1] || sw[2] != sw[3]
                || sx[2] % sw[2] != 0 || sx[3] % sw[3] != 0) {
            throw new IllegalArgumentException("conv2dPatches: input " + x.describe() + " and weight " + w.describe()
                    + " do not fit (need [B,C,H,W] and [O,C,k,k] with H and W multiples of k)");
        }
        int batch = sx[0], channels = sx[1], k = sw[2], gh = sx[2] / k, gw = sx[3] / k, out = sw[0];
        Tensor patches = x.reshape(batch, channels, gh, k, gw, k).permute(0, 2, 4, 1, 3, 5)
                .reshape(batch * gh * gw, channels * k * k);
        Tensor y = linear(patches, w.reshape(out, channels * k * k), b);
        return y.reshape(batch, gh, gw, out).permute(0, 3, 1, 2);
    }

    // ------------------------------------------------------------------ activations

    public static Tensor silu(Tensor x) { return Ops.unary(Unary.SILU, x); }

    /** GELU, exact (erf) form. */
    public static Tensor gelu(Tensor x) { return Ops.unary(Unary.GELU, x); }

    /** GELU, tanh approximation ("gelu_pytorch_tanh", "gelu_new"). */
    public static Tensor geluTanh(Tensor x) { return Ops.unary(Unary.GELU_TANH, x); }

    /** x * sigmoid(1.702 x), CLIP's activation. */
    public static Tensor quickGelu(Tensor x) { return Ops.unary(Unary.QUICK_GELU, x); }

    /** The activation named as in Hugging Face configs ({@code hidden_act}). */
    public static Tensor activation(String name, Tensor x) {
        return switch (name) {
            case "silu", "swish" -> silu(x);
            case "gelu" -> gelu(x);
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> geluTanh(x);
            case "quick_gelu" -> quickGelu(x);
            case "relu" -> Ops.relu(x);
            case "tanh" -> Ops.tanh(x);
            default -> throw new IllegalArgumentException("unknown activation '" + name
                    + "'; supported: silu, gelu, gelu_pytorch_tanh, gelu_new, quick_gelu, relu, tanh");
        };
    }

    /** silu(gate) * up in one pass (the Llama MLP). */
    public static Tensor swiglu(Tensor gate, Tensor up) {
        Ops.requireFloat("swiglu", gate, up);
        requireSameShape("swiglu", gate, up);
        Tensor y = gate.newEmpty(DType.F32, gate.shape());
        gate.backend().swiglu(gate, up, y);
        return Autograd.record("swiglu", y, new Tensor[] {gate, up}, (g, needs) -> {
            Tensor gg = gate.newEmpty(DType.F32, gate.shape()), gu = gate.newEmpty(DType.F32, gate.shape());
            gate.backend().swigluBackward(gate, up, g, gg, gu);
            return new Tensor[] {gg, gu};
        });
    }

    /** Inverted dropout with a repeatable mask from {@code seed}; the identity when p is 0 or not training. */
    public static Tensor dropout(Tensor x, double p, long seed, boolean training) {
        if (!training || p == 0) return x;
        if (p < 0 || p >= 1) throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        Tensor mask = x.newEmpty(DType.F32, x.shape());
        x.backend().dropoutMask(seed, p, mask);
        return Ops.mul(x, mask);
    }

    // ------------------------------------------------------------------ normalisation

    /** RMSNorm over the last dimension: x * rsqrt(mean(x²) + eps) * w. */
    public static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        Tensor w = f32(weight);
        Ops.requireFloat("rmsNorm", x, w);
        int width = lastDim("rmsNorm", x, w);
        int rows = (int) (x.numel() / width);
        Tensor y = x.newEmpty(DType.F32, x.shape());
        Tensor rstd = x.newEmpty(DType.F32, rows);
        x.backend().rmsNorm(x, w, eps, width, y, rstd);
        return Autograd.record("rmsNorm", y, new Tensor[] {x, w}, (g, needs) -> {
            Tensor gx = x.newEmpty(DType.F32, x.shape());
            Tensor gw = needs[1] ? Tensor.zeros(x.device(), DType.F32, w.shape()) : null;
            x.backend().rmsNormBackward(x, w, rstd, g, width, gx, gw);
            return new Tensor[] {needs[0] ? gx : null, gw};
        });
    }

    /** LayerNorm over the last dimension; w and b may be null. */
    public static Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        Tensor w = f32(weight), b = f32(bias);
        Ops.requireFloat("layerNorm", x, w, b);
        int width = x.shape()[x.rank() - 1];
        if (w != null) lastDim("layerNorm", x, w);
        if (b != null) lastDim("layerNorm", x, b);
        int rows = (int) (x.numel() / width);
        Tensor y = x.newEmpty(DType.F32, x.shape());
        Tensor mean = x.newEmpty(DType.F32, rows), rstd = x.newEmpty(DType.F32, rows);
        x.backend().layerNorm(x, w, b, eps, width, y, mean, rstd);
        return Autograd.record("layerNorm", y, new Tensor[] {x, w, b}, (g, needs) -> {
            Tensor gx = x.newEmpty(DType.F32, x.shape());
            Tensor gw = needs[1] ? Tensor.zeros(x.device(), DType.F32, w.shape()) : null;
            Tensor gb = needs[2] ? Tensor.zeros(x.device(), DType.F32, b.shape()) : null;
            x.backend().layerNormBackward(x, w, mean, rstd, g, width, gx, gw, gb);
            return new Tensor[] {needs[0] ? gx : null, gw, gb};
        });
    }

    private static int lastDim(String op, Tensor x, Tensor w) {
        int width = x.shape()[x.rank() - 1];
        if (w.rank() != 1 || w.shape()[0] != width) {
            throw new IllegalArgumentException(op + ": weight " + w.describe() + " does not match the last dimension of "
                    + x.describe());
        }
        return width;
    }

    private static void requireSameShape(String op, Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(op + ": shapes differ: " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
    }

    // ------------------------------------------------------------------ softmax and losses

    /** Softmax over the last dimension. */
    public static Tensor softmax(Tensor x) {
        return softmax(x, false);
    }

    /** Log-softmax over the last dimension. */
    public static Tensor logSoftmax(Tensor x) {
        return softmax(x, true);
    }

    private static Tensor softmax(Tensor x, boolean log) {
        String name = log ? "logSoftmax" : "softmax";
        Ops.requireFloat(name, x);
        int width = x.shape()[x.rank() - 1];
        Tensor y = x.newEmpty(DType.F32, x.shape());
        x.backend().softmax(x, width, y, log);
        return Autograd.record(name, y, new Tensor[] {x}, (g, needs) -> {
            Tensor gx = x.newEmpty(DType.F32, x.shape());
            x.backend().softmaxBackward(y, g, width, gx, log);
            return new Tensor[] {gx};
        });
    }

    /**
     * Cross-entropy of logits [..., V] against I32 labels [...], averaged over the labels that are not
     * {@code ignoreIndex} (as torch's {@code cross_entropy(..., ignore_index=-100)}; NaN when every label is ignored).
     */
    public static Tensor crossEntropy(Tensor logits, Tensor labels, int ignoreIndex) {
        Ops.requireSameDevice("crossEntropy", logits, labels);
        Ops.requireDType("crossEntropy", DType.F32, logits);
        Ops.requireDType("crossEntropy", DType.I32, labels);
        int vocab = logits.shape()[logits.rank() - 1];
        int rows = (int) (logits.numel() / vocab);
        if (labels.numel() != rows) {
            throw new IllegalArgumentException("crossEntropy: " + labels.describe() + " labels for logits "
                    + logits.describe() + " (need one label per row of " + vocab + " logits)");
        }
        int valid = 0;
        for (int label : labels.toIntArray()) {
            if (label == ignoreIndex) continue;
            if (label < 0 || label >= vocab) {
                throw new IllegalArgumentException("crossEntropy: label " + label + " outside the vocabulary [0, "
                        + vocab + ") (use " + ignoreIndex + " to ignore a position)");
            }
            valid++;
        }
        Tensor perRow = logits.newEmpty(DType.F32, rows);
        Tensor lse = logits.newEmpty(DType.F32, rows);
        logits.backend().crossEntropy(logits, labels, ignoreIndex, vocab, perRow, lse);
        Tensor total = Ops.sum(perRow);
        final int count = valid;
        Tensor loss;
        try (AutoCloseable ignored = Autograd.noGrad()) {
            loss = Ops.affine(total, count == 0 ? Double.NaN : 1.0 / count, 0);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Autograd.record("crossEntropy", loss, new Tensor[] {logits, labels}, (g, needs) -> {
            Tensor gl = logits.newEmpty(DType.F32, logits.shape());
            double scale = count == 0 ? 0 : g.item() / count;
            logits.backend().crossEntropyBackward(logits, labels, lse, ignoreIndex, vocab, scale, gl);
            return new Tensor[] {gl, null};
        });
    }

    // ------------------------------------------------------------------ rotary embedding and attention

    /** Hugging Face's inv_freq: 1 / theta^(2i/dim) in float32, divided by {@code linearScale} (linear scaling). */
    public static float[] ropeInverseFrequencies(int dim, double theta, double linearScale) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / dim;
            inv[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
            if (linearScale != 1) inv[i] = (float) (inv[i] / linearScale);
        }
        return inv;
    }

    /**
     * cos and sin tables [B, T, 2·invFreq.length] for rotary embedding at positions [B, T] (row-major), as
     * transformers computes them: angle = position · inv_freq in float32, duplicated across both halves.
     */
    public static Tensor[] ropeTables(Device device, int[] positions, int batch, int length, float[] invFreq) {
        int half = invFreq.length, dim = 2 * half;
        if (positions.length != batch * length) {
            throw new IllegalArgumentException("ropeTables: " + positions.length + " positions for [" + batch + ", " + length + "]");
        }
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

    /** Rotary embedding of x [B, H, T, D] with tables cos, sin [B, T, D] (rotate_half convention). */
    public static Tensor rope(Tensor x, Tensor cos, Tensor sin) {
        Ops.requireFloat("rope", x, cos, sin);
        int[] s = x.shape(), sc = cos.shape();
        if (s.length != 4 || sc.length != 3 || sc[0] != s[0] || sc[1] != s[2] || sc[2] != s[3]
                || !java.util.Arrays.equals(sc, sin.shape()) || s[3] % 2 != 0) {
            throw new IllegalArgumentException("rope: x " + x.describe() + " needs [B,H,T,D] with even D and tables [B,T,D]; got "
                    + cos.describe() + " and " + sin.describe());
        }
        Tensor y = x.newEmpty(DType.F32, s);
        x.backend().rope(x, cos, sin, y, false);
        return Autograd.record("rope", y, new Tensor[] {x}, (g, needs) -> {
            Tensor gx = x.newEmpty(DType.F32, s);
            x.backend().rope(g, cos, sin, gx, true);
            return new Tensor[] {gx};
        });
    }

    /**
     * Scaled dot-product attention. q [B, H, T, D]; k, v [B, Hkv, S, D] with H a multiple of Hkv (grouped-query:
     * query head h reads key/value head h / (H / Hkv)). With {@code causal}, query t sees keys up to t + (S - T).
     * keyMask [B, S] (I32, 1 = attend, 0 = padding) or null. Returns [B, H, T, D].
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, boolean causal, Tensor keyMask, double scale) {
        int[] sq = q.shape(), sk = k.shape();
        if (sq.length != 4 || sk.length != 4 || !java.util.Arrays.equals(sk, v.shape()) || sq[0] != sk[0]
                || sq[3] != sk[3] || sk[1] == 0 || sq[1] % sk[1] != 0) {
            throw new IllegalArgumentException("attention: q " + q.describe() + ", k " + k.describe() + ", v "
                    + v.describe() + " do not fit (need [B,H,T,D] and [B,Hkv,S,D] with H a multiple of Hkv)");
        }
        int batch = sq[0], heads = sq[1], t = sq[2], kvHeads = sk[1], s = sk[2], d = sq[3];
        int group = heads / kvHeads;
        // The query heads that share a kv head are adjacent, so [B, H, T, D] viewed as [B, Hkv, group·T, D] lets
        // each kv head serve its whole group in one product, with no copy of k and v per query head.
        Tensor grouped = q.reshape(batch, kvHeads, group * t, d);
        Tensor scores = Ops.matmul(grouped, false, k, true); // [B, Hkv, group·T, S]
        Tensor probs = attentionSoftmax(scores, scale, causal, keyMask, t);
        return Ops.matmul(probs, v).reshape(batch, heads, t, d);
    }

    /**
     * softmax(scores · scale) over the keys of scores [B, Hkv, group·T, S] (the T query rows repeated for each query
     * head of a kv group), with the causal rule (query i sees keys j <= i + (S - T)) and the key padding mask applied
     * on the fly; masked keys get probability 0, a row with no visible key is uniform (as an additive -1e30 mask
     * gives). One fused op: no scaled copy of the scores and no mask tensor.
     */
    static Tensor attentionSoftmax(Tensor scores, double scale, boolean causal, Tensor keyMask, int t) {
        int[] ss = scores.shape();
        int batch = ss[0], s = ss[3];
        if (keyMask != null && (keyMask.dtype() != DType.I32 || keyMask.numel() != (long) batch * s)) {
            throw new IllegalArgumentException("attention: key mask " + keyMask.describe() + " does not fit [" + batch + ", "
                    + s + "] (need I32, 1 = attend, 0 = padding)");
        }
        Ops.requireSameDevice("attention", scores, keyMask == null ? scores : keyMask);
        int rowsPerBatch = ss[1] * ss[2];
        Tensor y = scores.newEmpty(DType.F32, ss);
        scores.backend().attentionSoftmax(scores, scale, causal, t, keyMask, rowsPerBatch, s, y);
        return Autograd.record("attentionSoftmax", y, new Tensor[] {scores}, (g, needs) -> {
            Tensor gx = scores.newEmpty(DType.F32, ss);
            scores.backend().attentionSoftmaxBackward(y, g, scale, s, gx);
            return new Tensor[] {gx};
        });
    }
}

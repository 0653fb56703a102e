package org.jtuner.tensor;

import java.lang.foreign.MemorySegment;

/**
 * The kernels of one device. Ops (with their gradients) are written once in terms of these; a model never calls
 * a kernel. All tensors passed here are contiguous, live, on this backend's device, and already shape-checked
 * by the op that calls the kernel. Unless said otherwise tensors are F32; outputs are written, not accumulated.
 */
public interface Backend {

    Device device();

    // ---- memory
    /** Native memory of at least {@code bytes}, contents undefined. */
    MemorySegment allocate(long bytes);

    void free(MemorySegment segment, long bytes);

    /** Bytes currently allocated to live storages (not counting caches). */
    long liveBytes();

    /** Copies between host memory and a tensor of this device (raw bytes of the tensor's dtype). */
    void copyFromHost(MemorySegment host, Tensor dst);

    void copyToHost(Tensor src, MemorySegment host);

    // ---- element-wise
    void fill(Tensor out, double value);

    /** Copies with dtype conversion (F32/BF16/F16/I32 in any combination; same numel). */
    void cast(Tensor src, Tensor out);

    enum Binary { ADD, SUB, MUL, DIV, MAX, MIN }

    /** out = a op b with numpy broadcasting of a and b to out's shape. */
    void binary(Binary op, Tensor a, Tensor b, Tensor out);

    /** dst += src (same shape): how gradients accumulate. */
    void addInPlace(Tensor dst, Tensor src);

    enum Unary { NEG, EXP, LOG, SQRT, RSQRT, SQUARE, ABS, TANH, SIGMOID, RELU, SILU, GELU, GELU_TANH, QUICK_GELU }

    void unary(Unary op, Tensor x, Tensor out);

    /** gx = gy * d op(x)/dx. */
    void unaryBackward(Unary op, Tensor x, Tensor gy, Tensor gx);

    /** out = x * scale + shift. */
    void affine(Tensor x, double scale, double shift, Tensor out);

    /** out = a^exponent element-wise. */
    void pow(Tensor x, double exponent, Tensor out);

    // ---- reductions over one dimension (x viewed as [outer, size, inner])
    /** out[o, i] = sum over s of x[o, s, i]. */
    void sum(Tensor x, int outer, int size, int inner, Tensor out);

    /** out[o, i] = max over s, argmax (I32) the first index reaching it. */
    void max(Tensor x, int outer, int size, int inner, Tensor out, Tensor argmax);

    /** gx[o, s, i] = gy[o, i] where s == argmax[o, i], else 0. */
    void maxBackward(Tensor gy, Tensor argmax, int outer, int size, int inner, Tensor gx);

    /** Sums x over the dimensions where it was broadcast to reach x's shape from {@code out}'s shape. */
    void sumToShape(Tensor x, Tensor out);

    // ---- products
    /**
     * out[b] = op(a[b]) · op(b[b]) (+ out[b] when accumulate). a is [batchA, m, k] (or [batchA, k, m] when
     * transA), b is [batchB, k, n] (or [batchB, n, k] when transB); a batch of 1 is shared by all batches.
     */
    void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor out,
                int batch, int m, int n, int k, boolean aShared, boolean bShared, boolean accumulate);

    // ---- data movement
    /** out = x permuted: out's dimension i is x's dimension perm[i]. */
    void permute(Tensor x, int[] perm, Tensor out);

    /**
     * Copies a slab along one dimension: for x viewed as [outer, srcSize, inner] and out as [outer, dstSize, inner],
     * out[o, dstStart + s, i] = x[o, srcStart + s, i] for s in [0, length). With accumulate, adds instead.
     */
    void copySlab(Tensor x, int srcSize, int srcStart, Tensor out, int dstSize, int dstStart,
                  int outer, int length, int inner, boolean accumulate);

    /** out[r] = x[index[r]] over rows of width {@code width}; index is I32. */
    void gatherRows(Tensor x, Tensor index, int width, Tensor out);

    /** out[index[r]] += src[r] over rows of width {@code width}; index is I32 (repeats accumulate). */
    void scatterAddRows(Tensor src, Tensor index, int width, Tensor out);

    /** out[index[r]] = src[r] (out already holds the base rows). */
    void scatterRows(Tensor src, Tensor index, int width, Tensor out);

    /** Zeroes the rows of x listed in index. */
    void zeroRows(Tensor x, Tensor index, int width);

    // ---- fused layers (rows of width {@code width})
    /** y = x * rsqrt(mean(x²) + eps) * w; rstd (per row) saved for the backward. */
    void rmsNorm(Tensor x, Tensor w, double eps, int width, Tensor y, Tensor rstd);

    /** gx = d/dx, gw += d/dw (gw may be null when the weight needs no gradient). */
    void rmsNormBackward(Tensor x, Tensor w, Tensor rstd, Tensor gy, int width, Tensor gx, Tensor gw);

    /** y = (x - mean) * rstd * w + b (w and b may be null); mean and rstd per row saved. */
    void layerNorm(Tensor x, Tensor w, Tensor b, double eps, int width, Tensor y, Tensor mean, Tensor rstd);

    /** gx, and gw += , gb += (either may be null). */
    void layerNormBackward(Tensor x, Tensor w, Tensor mean, Tensor rstd, Tensor gy, int width,
                           Tensor gx, Tensor gw, Tensor gb);

    void softmax(Tensor x, int width, Tensor y, boolean log);

    /** Gradient of softmax (or log-softmax when log) given its output y. */
    void softmaxBackward(Tensor y, Tensor gy, int width, Tensor gx, boolean log);

    /**
     * Attention probabilities from raw scores in one pass: y = softmax(x · scale) over rows of {@code width} keys,
     * with masked keys left out. Row r is query i = r % t of batch r / rowsPerBatch; with causal, key j is visible
     * when j <= i + (width - t); keyMask (I32 [batch, width], 0 = padding) or null hides keys. Masked keys get
     * probability exactly 0; a row with no visible key gets 1/width for every key (as an additive -1e30 mask does).
     */
    void attentionSoftmax(Tensor x, double scale, boolean causal, int t, Tensor keyMask, int rowsPerBatch, int width,
                          Tensor y);

    /** Gradient of {@link #attentionSoftmax} given its output y: gx = scale · y · (gy - Σ gy·y) per row. */
    void attentionSoftmaxBackward(Tensor y, Tensor gy, double scale, int width, Tensor gx);

    /**
     * Per row of logits [rows, vocab]: loss[r] = logsumexp - logit[label]; rows whose label is ignoreIndex get 0.
     * lse (per row) is saved for the backward.
     */
    void crossEntropy(Tensor logits, Tensor labels, int ignoreIndex, int vocab, Tensor loss, Tensor lse);

    /** glogits = (softmax - onehot(label)) * scale, 0 on ignored rows. */
    void crossEntropyBackward(Tensor logits, Tensor labels, Tensor lse, int ignoreIndex, int vocab, double scale,
                              Tensor glogits);

    /** y = silu(gate) * up. */
    void swiglu(Tensor gate, Tensor up, Tensor y);

    void swigluBackward(Tensor gate, Tensor up, Tensor gy, Tensor ggate, Tensor gup);

    /** out = (uniform(seed, i) >= p) / (1 - p) as a mask, from a counter-based generator (repeatable). */
    void dropoutMask(long seed, double p, Tensor out);

    /**
     * Rotary embedding in Hugging Face's rotate_half convention: x is [batch, heads, seq, dim], cos/sin are
     * [batch, seq, dim]. y = x*cos + rotate_half(x)*sin; with inverse, the transpose rotation (the gradient).
     */
    void rope(Tensor x, Tensor cos, Tensor sin, Tensor y, boolean inverse);

    // ---- optimisation
    /** Σ x² over all elements, accumulated in double (for gradient norms). */
    double sumOfSquares(Tensor x);

    /**
     * One AdamW step on p in place, as torch.optim.AdamW computes it in float32: p *= 1 - lr·wd;
     * m = lerp(m, g, 1 - beta1); v = v·beta2 + (1 - beta2)·g²; p -= (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps).
     */
    void adamw(Tensor p, Tensor g, Tensor m, Tensor v, double lr, double beta1, double beta2, double eps,
               double weightDecay, double biasCorrection1, double biasCorrection2Sqrt);
}

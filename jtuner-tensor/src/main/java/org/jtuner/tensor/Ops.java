package org.jtuner.tensor;

import java.util.Arrays;
import java.util.List;

import org.jtuner.tensor.Backend.Binary;
import org.jtuner.tensor.Backend.Unary;
import org.jtuner.tensor.autograd.Autograd;

/**
 * The differentiable general-purpose ops: arithmetic, reductions, shapes, products, indexing. Each op checks its
 * inputs (errors name the op and the shapes), calls its backend's kernel, and records its backward.
 * Layer-level ops (norms, attention, losses) are in {@link F}.
 */
public final class Ops {
    private Ops() {}

    // ------------------------------------------------------------------ checks

    static void requireSameDevice(String op, Tensor... ts) {
        Device d = null;
        for (Tensor t : ts) {
            if (t == null) continue;
            t.checkLive();
            if (d == null) d = t.device();
            else if (!d.equals(t.device())) {
                throw new IllegalArgumentException(op + ": tensors on different devices (" + d + ", " + t.device() + ")");
            }
        }
    }

    static void requireDType(String op, DType dtype, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && t.dtype() != dtype) {
                throw new IllegalArgumentException(op + ": expected " + dtype + " but got " + t.describe());
            }
        }
    }

    static void requireFloat(String op, Tensor... ts) {
        requireSameDevice(op, ts);
        requireDType(op, DType.F32, ts);
    }

    // ------------------------------------------------------------------ creation helpers

    public static Tensor onesLike(Tensor t) {
        Tensor o = Tensor.empty(t.device(), t.dtype().isFloating() ? DType.F32 : t.dtype(), t.shape());
        o.backend().fill(o, 1);
        return o;
    }

    public static Tensor zerosLike(Tensor t) {
        return Tensor.zeros(t.device(), DType.F32, t.shape());
    }

    private static Tensor emptyLike(Tensor t) {
        return t.newEmpty(DType.F32, t.shape());
    }

    // ------------------------------------------------------------------ dtype

    /** A copy converted to {@code dtype}; the gradient flows back converted to the input's dtype. */
    public static Tensor cast(Tensor x, DType dtype) {
        x.checkLive();
        Tensor out = x.newEmpty(dtype, x.shape());
        x.backend().cast(x, out);
        if (!dtype.isFloating() || !x.dtype().isFloating()) return out;
        return Autograd.record("cast", out, new Tensor[] {x}, (g, needs) -> new Tensor[] {cast(g, x.dtype())});
    }

    // ------------------------------------------------------------------ element-wise arithmetic

    public static Tensor add(Tensor a, Tensor b) {
        return binary("add", Binary.ADD, a, b);
    }

    public static Tensor sub(Tensor a, Tensor b) {
        return binary("sub", Binary.SUB, a, b);
    }

    public static Tensor mul(Tensor a, Tensor b) {
        return binary("mul", Binary.MUL, a, b);
    }

    public static Tensor div(Tensor a, Tensor b) {
        return binary("div", Binary.DIV, a, b);
    }

    private static Tensor binary(String name, Binary op, Tensor a, Tensor b) {
        requireFloat(name, a, b);
        int[] shape = Shapes.broadcast(name, a.shape(), b.shape());
        Tensor out = a.newEmpty(DType.F32, shape);
        a.backend().binary(op, a, b, out);
        return Autograd.record(name, out, new Tensor[] {a, b}, (g, needs) -> {
            Tensor ga = null, gb = null;
            switch (op) {
                case ADD -> {
                    ga = needs[0] ? sumTo(g, a.shape()) : null;
                    gb = needs[1] ? sumTo(g, b.shape()) : null;
                }
                case SUB -> {
                    ga = needs[0] ? sumTo(g, a.shape()) : null;
                    gb = needs[1] ? sumTo(affine(g, -1, 0), b.shape()) : null;
                }
                case MUL -> {
                    ga = needs[0] ? sumTo(mul(g, b), a.shape()) : null;
                    gb = needs[1] ? sumTo(mul(g, a), b.shape()) : null;
                }
                case DIV -> {
                    ga = needs[0] ? sumTo(div(g, b), a.shape()) : null;
                    // d(a/b)/db = -a/b² = -out/b
                    gb = needs[1] ? sumTo(affine(div(mul(g, out), b), -1, 0), b.shape()) : null;
                }
                default -> throw new IllegalStateException("no gradient for " + op);
            }
            return new Tensor[] {ga, gb};
        });
    }

    /** Sums a broadcast gradient back to {@code shape} (a no-op when the shapes agree). */
    public static Tensor sumTo(Tensor g, int[] shape) {
        if (Arrays.equals(g.shape(), shape)) return g;
        Tensor out = g.newEmpty(DType.F32, shape);
        g.backend().sumToShape(g, out);
        return out;
    }

    /** x broadcast to {@code shape}. */
    public static Tensor expand(Tensor x, int... shape) {
        requireFloat("expand", x);
        int[] target = Shapes.broadcast("expand", x.shape(), shape);
        if (!Arrays.equals(target, shape)) {
            throw new IllegalArgumentException("expand: " + Shapes.str(x.shape()) + " cannot expand to " + Shapes.str(shape));
        }
        Tensor zero = Tensor.zeros(x.device(), DType.F32, 1);
        Tensor out = x.newEmpty(DType.F32, shape);
        x.backend().binary(Binary.ADD, x, zero, out);
        zero.close();
        return Autograd.record("expand", out, new Tensor[] {x}, (g, needs) -> new Tensor[] {sumTo(g, x.shape())});
    }

    /** x * scale + shift. */
    public static Tensor affine(Tensor x, double scale, double shift) {
        requireFloat("affine", x);
        Tensor out = emptyLike(x);
        x.backend().affine(x, scale, shift, out);
        return Autograd.record("affine", out, new Tensor[] {x}, (g, needs) -> new Tensor[] {affine(g, scale, 0)});
    }

    public static Tensor pow(Tensor x, double exponent) {
        requireFloat("pow", x);
        Tensor out = emptyLike(x);
        x.backend().pow(x, exponent, out);
        return Autograd.record("pow", out, new Tensor[] {x}, (g, needs) -> {
            Tensor d = emptyLike(x);
            x.backend().pow(x, exponent - 1, d);
            Tensor scaled = affine(d, exponent, 0);
            d.close();
            return new Tensor[] {mul(g, scaled)};
        });
    }

    public static Tensor unary(Unary op, Tensor x) {
        String name = op.name().toLowerCase();
        requireFloat(name, x);
        Tensor out = emptyLike(x);
        x.backend().unary(op, x, out);
        return Autograd.record(name, out, new Tensor[] {x}, (g, needs) -> {
            Tensor gx = emptyLike(x);
            x.backend().unaryBackward(op, x, g, gx);
            return new Tensor[] {gx};
        });
    }

    public static Tensor exp(Tensor x) { return unary(Unary.EXP, x); }
    public static Tensor log(Tensor x) { return unary(Unary.LOG, x); }
    public static Tensor sqrt(Tensor x) { return unary(Unary.SQRT, x); }
    public static Tensor tanh(Tensor x) { return unary(Unary.TANH, x); }
    public static Tensor sigmoid(Tensor x) { return unary(Unary.SIGMOID, x); }
    public static Tensor relu(Tensor x) { return unary(Unary.RELU, x); }
    public static Tensor square(Tensor x) { return unary(Unary.SQUARE, x); }

    // ------------------------------------------------------------------ reductions

    public static Tensor sum(Tensor x) {
        return sum(x.reshape((int) x.numel()), 0, false);
    }

    public static Tensor mean(Tensor x) {
        return affine(sum(x), 1.0 / x.numel(), 0);
    }

    public static Tensor sum(Tensor x, int dim, boolean keepDim) {
        requireFloat("sum", x);
        int[] s = x.shape();
        int d = Shapes.dim("sum", s, dim);
        int outer = Shapes.prod(s, 0, d), size = s[d], inner = Shapes.prod(s, d + 1, s.length);
        Tensor out = x.newEmpty(DType.F32, reducedShape(s, d, keepDim));
        x.backend().sum(x, outer, size, inner, out);
        int[] kept = reducedShape(s, d, true);
        return Autograd.record("sum", out, new Tensor[] {x}, (g, needs) -> {
            Tensor gk = g.reshape(kept);
            Tensor gx = expand(gk, s);
            gk.close();
            return new Tensor[] {gx};
        });
    }

    public static Tensor mean(Tensor x, int dim, boolean keepDim) {
        int d = Shapes.dim("mean", x.shape(), dim);
        Tensor s = sum(x, d, keepDim);
        Tensor m = affine(s, 1.0 / x.shape()[d], 0);
        return m;
    }

    /** Maximum over a dimension (the gradient goes to the first index reaching it). */
    public static Tensor max(Tensor x, int dim, boolean keepDim) {
        requireFloat("max", x);
        int[] s = x.shape();
        int d = Shapes.dim("max", s, dim);
        int outer = Shapes.prod(s, 0, d), size = s[d], inner = Shapes.prod(s, d + 1, s.length);
        Tensor out = x.newEmpty(DType.F32, reducedShape(s, d, keepDim));
        Tensor arg = x.newEmpty(DType.I32, reducedShape(s, d, keepDim));
        x.backend().max(x, outer, size, inner, out, arg);
        return Autograd.record("max", out, new Tensor[] {x}, (g, needs) -> {
            Tensor gx = emptyLike(x);
            x.backend().maxBackward(g, arg, outer, size, inner, gx);
            return new Tensor[] {gx};
        });
    }

    private static int[] reducedShape(int[] s, int d, boolean keepDim) {
        if (keepDim) {
            int[] r = s.clone();
            r[d] = 1;
            return r;
        }
        int[] r = new int[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) if (i != d) r[j++] = s[i];
        return r;
    }

    // ------------------------------------------------------------------ shapes

    /** A view with a new shape (one dimension may be -1). */
    public static Tensor reshape(Tensor x, int... shape) {
        x.checkLive();
        int[] s = shape.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (unknown >= 0) throw new IllegalArgumentException("reshape: more than one -1 in " + Shapes.str(shape));
                unknown = i;
            } else known *= s[i];
        }
        if (unknown >= 0) {
            if (known == 0 || x.numel() % known != 0) {
                throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(x.shape()) + " to " + Shapes.str(shape));
            }
            s[unknown] = (int) (x.numel() / known);
        }
        if (Shapes.numel(s) != x.numel()) {
            throw new IllegalArgumentException("reshape: cannot reshape " + Shapes.str(x.shape()) + " (" + x.numel()
                    + " elements) to " + Shapes.str(shape));
        }
        int[] original = x.shape();
        Tensor out = x.view(s);
        return Autograd.record("reshape", out, new Tensor[] {x}, (g, needs) -> new Tensor[] {g.reshape(original)});
    }

    /** A permuted copy: output dimension i is input dimension perm[i]. */
    public static Tensor permute(Tensor x, int... perm) {
        x.checkLive();
        int[] s = x.shape();
        if (perm.length != s.length) {
            throw new IllegalArgumentException("permute: " + perm.length + " dims given for shape " + Shapes.str(s));
        }
        int[] inverse = new int[perm.length];
        boolean[] seen = new boolean[perm.length];
        int[] outShape = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int p = Shapes.dim("permute", s, perm[i]);
            if (seen[p]) throw new IllegalArgumentException("permute: repeated dimension in " + Arrays.toString(perm));
            seen[p] = true;
            inverse[p] = i;
            outShape[i] = s[p];
        }
        int[] normalized = new int[perm.length];
        for (int i = 0; i < perm.length; i++) normalized[i] = Shapes.dim("permute", s, perm[i]);
        Tensor out = x.newEmpty(x.dtype(), outShape);
        x.backend().permute(x, normalized, out);
        return Autograd.record("permute", out, new Tensor[] {x}, (g, needs) -> new Tensor[] {permute(g, inverse)});
    }

    public static Tensor transpose(Tensor x, int a, int b) {
        int[] perm = new int[x.rank()];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        int da = Shapes.dim("transpose", x.shape(), a), db = Shapes.dim("transpose", x.shape(), b);
        perm[da] = db;
        perm[db] = da;
        return permute(x, perm);
    }

    /** Elements {@code [from, to)} of a dimension (a copy; a view when it is a row range of dimension 0). */
    public static Tensor slice(Tensor x, int dim, int from, int to) {
        x.checkLive();
        int[] s = x.shape();
        int d = Shapes.dim("slice", s, dim);
        if (from < 0 || to > s[d] || from > to) {
            throw new IllegalArgumentException("slice: range [" + from + ", " + to + ") out of bounds for dimension "
                    + d + " of shape " + Shapes.str(s));
        }
        int[] outShape = s.clone();
        outShape[d] = to - from;
        int outer = Shapes.prod(s, 0, d), inner = Shapes.prod(s, d + 1, s.length);
        Tensor out;
        if (outer == 1) {
            out = x.rowsViewAlong(d, from, to);
        } else {
            out = x.newEmpty(x.dtype(), outShape);
            x.backend().copySlab(x, s[d], from, out, to - from, 0, outer, to - from, inner, false);
        }
        return Autograd.record("slice", out, new Tensor[] {x}, (g, needs) -> {
            Tensor gx = Tensor.zeros(x.device(), DType.F32, s);
            gx.backend().copySlab(g, to - from, 0, gx, s[d], from, outer, to - from, inner, false);
            return new Tensor[] {gx};
        });
    }

    /** Splits a dimension into consecutive pieces of the given sizes. */
    public static List<Tensor> split(Tensor x, int dim, int... sizes) {
        int d = Shapes.dim("split", x.shape(), dim);
        int total = Arrays.stream(sizes).sum();
        if (total != x.shape()[d]) {
            throw new IllegalArgumentException("split: sizes " + Arrays.toString(sizes) + " do not add up to dimension "
                    + d + " of shape " + Shapes.str(x.shape()));
        }
        Tensor[] parts = new Tensor[sizes.length];
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            parts[i] = slice(x, d, at, at + sizes[i]);
            at += sizes[i];
        }
        return List.of(parts);
    }

    /** Joins tensors along a dimension; all other dimensions must agree. */
    public static Tensor concat(int dim, Tensor... xs) {
        if (xs.length == 0) throw new IllegalArgumentException("concat: no tensors");
        requireSameDevice("concat", xs);
        int[] s0 = xs[0].shape();
        int d = Shapes.dim("concat", s0, dim);
        int total = 0;
        for (Tensor t : xs) {
            int[] s = t.shape();
            boolean ok = s.length == s0.length && t.dtype() == xs[0].dtype();
            for (int i = 0; ok && i < s.length; i++) ok = i == d || s[i] == s0[i];
            if (!ok) {
                throw new IllegalArgumentException("concat: " + t.describe() + " does not match " + xs[0].describe()
                        + " outside dimension " + d);
            }
            total += s[d];
        }
        int[] outShape = s0.clone();
        outShape[d] = total;
        int outer = Shapes.prod(s0, 0, d), inner = Shapes.prod(s0, d + 1, s0.length);
        Tensor out = xs[0].newEmpty(xs[0].dtype(), outShape);
        int at = 0;
        int[] starts = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            int len = xs[i].shape()[d];
            starts[i] = at;
            out.backend().copySlab(xs[i], len, 0, out, total, at, outer, len, inner, false);
            at += len;
        }
        final int tot = total;
        return Autograd.record("concat", out, xs, (g, needs) -> {
            Tensor[] grads = new Tensor[xs.length];
            for (int i = 0; i < xs.length; i++) {
                if (!needs[i]) continue;
                int len = xs[i].shape()[d];
                grads[i] = g.newEmpty(DType.F32, xs[i].shape());
                g.backend().copySlab(g, tot, starts[i], grads[i], len, 0, outer, len, inner, false);
            }
            return grads;
        });
    }

    // ------------------------------------------------------------------ products

    /** Matrix product over the last two dimensions, with batch dimensions (one side may be unbatched). */
    public static Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, false, b, false);
    }

    /**
     * op(a) · op(b) where op transposes the last two dimensions when asked. Leading (batch) dimensions must agree,
     * or one operand has none (or all of size 1) and is shared by every batch.
     */
    public static Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
        requireFloat("matmul", a, b);
        int[] sa = a.shape(), sb = b.shape();
        if (sa.length < 2 || sb.length < 2) {
            throw new IllegalArgumentException("matmul: operands need at least 2 dimensions, got "
                    + Shapes.str(sa) + " and " + Shapes.str(sb));
        }
        int m = transA ? sa[sa.length - 1] : sa[sa.length - 2];
        int k = transA ? sa[sa.length - 2] : sa[sa.length - 1];
        int kb = transB ? sb[sb.length - 1] : sb[sb.length - 2];
        int n = transB ? sb[sb.length - 2] : sb[sb.length - 1];
        if (k != kb) {
            throw new IllegalArgumentException("matmul: inner dimensions differ: " + Shapes.str(sa)
                    + (transA ? "ᵀ" : "") + " · " + Shapes.str(sb) + (transB ? "ᵀ" : ""));
        }
        int batchA = Shapes.prod(sa, 0, sa.length - 2), batchB = Shapes.prod(sb, 0, sb.length - 2);
        int[] lead;
        if (batchA == batchB) lead = sa.length >= sb.length ? Arrays.copyOf(sa, sa.length - 2) : Arrays.copyOf(sb, sb.length - 2);
        else if (batchA == 1) lead = Arrays.copyOf(sb, sb.length - 2);
        else if (batchB == 1) lead = Arrays.copyOf(sa, sa.length - 2);
        else {
            throw new IllegalArgumentException("matmul: batch dimensions differ: " + Shapes.str(sa) + " and " + Shapes.str(sb));
        }
        int batch = Math.max(batchA, batchB);
        int[] outShape = Arrays.copyOf(lead, lead.length + 2);
        outShape[lead.length] = m;
        outShape[lead.length + 1] = n;
        Tensor out = a.newEmpty(DType.F32, outShape);
        a.backend().matmul(a, transA, b, transB, out, batch, m, n, k, batchA == 1 && batch > 1, batchB == 1 && batch > 1, false);
        return Autograd.record("matmul", out, new Tensor[] {a, b}, (g, needs) -> {
            Tensor ga = null, gb = null;
            if (needs[0]) {
                Tensor full = transA ? matmul(b, transB, g, true) : matmul(g, false, b, !transB);
                ga = reduceBatch(full, sa);
            }
            if (needs[1]) {
                Tensor full = transB ? matmul(g, true, a, transA) : matmul(a, !transA, g, false);
                gb = reduceBatch(full, sb);
            }
            return new Tensor[] {ga, gb};
        });
    }

    /** A batched gradient summed over the batch when the operand was shared, reshaped to the operand's shape. */
    private static Tensor reduceBatch(Tensor full, int[] shape) {
        if (Shapes.numel(full.shape()) == Shapes.numel(shape)) return full.reshape(shape);
        int rows = shape[shape.length - 2], cols = shape[shape.length - 1];
        Tensor flat = full.reshape(-1, rows * cols);
        Tensor summed = sum(flat, 0, false);
        return summed.reshape(shape);
    }

    // ------------------------------------------------------------------ indexing

    /** Rows of x (dimension 0) picked by an I32 index of any shape: the result is index.shape + x.shape[1:]. */
    public static Tensor gatherRows(Tensor x, Tensor index) {
        requireSameDevice("gatherRows", x, index);
        requireDType("gatherRows", DType.I32, index);
        int[] sx = x.shape();
        int width = Shapes.prod(sx, 1, sx.length);
        int[] si = index.shape();
        int[] outShape = new int[si.length + sx.length - 1];
        System.arraycopy(si, 0, outShape, 0, si.length);
        System.arraycopy(sx, 1, outShape, si.length, sx.length - 1);
        Tensor out = x.newEmpty(x.dtype(), outShape);
        x.backend().gatherRows(x, index, width, out);
        return Autograd.record("gatherRows", out, new Tensor[] {x, index}, (g, needs) -> {
            Tensor gx = Tensor.zeros(x.device(), DType.F32, sx);
            gx.backend().scatterAddRows(g, index, width, gx);
            return new Tensor[] {gx, null};
        });
    }

    /** Selects entries of dimension {@code dim} by an I32 vector index. */
    public static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        int d = Shapes.dim("indexSelect", x.shape(), dim);
        if (index.rank() != 1) throw new IllegalArgumentException("indexSelect: index must be 1-D, got " + index.describe());
        if (d == 0) return gatherRows(x, index);
        Tensor front = transpose(x, 0, d);
        Tensor picked = gatherRows(front, index);
        return transpose(picked, 0, d);
    }

    /**
     * A copy of {@code base} whose rows (dimension 0) listed in {@code index} are replaced by the rows of
     * {@code src}: how image features take the place of {@code <image>} tokens in a flattened sequence.
     */
    public static Tensor scatterRows(Tensor base, Tensor index, Tensor src) {
        requireSameDevice("scatterRows", base, index, src);
        requireDType("scatterRows", DType.I32, index);
        requireDType("scatterRows", DType.F32, base, src);
        int[] sb = base.shape(), ss = src.shape();
        int width = Shapes.prod(sb, 1, sb.length);
        if (index.rank() != 1 || ss.length != sb.length || ss[0] != index.shape()[0]
                || Shapes.prod(ss, 1, ss.length) != width) {
            throw new IllegalArgumentException("scatterRows: base " + base.describe() + ", index " + index.describe()
                    + " and src " + src.describe() + " do not agree (src needs one row per index, rows as wide as base's)");
        }
        Tensor out = base.newEmpty(DType.F32, sb);
        base.backend().cast(base, out);
        base.backend().scatterRows(src, index, width, out);
        return Autograd.record("scatterRows", out, new Tensor[] {base, index, src}, (g, needs) -> {
            Tensor gb = null, gs = null;
            if (needs[0]) {
                gb = g.newEmpty(DType.F32, sb);
                g.backend().cast(g, gb);
                g.backend().zeroRows(gb, index, width);
            }
            if (needs[2]) {
                gs = g.newEmpty(DType.F32, ss);
                g.backend().gatherRows(g, index, width, gs);
            }
            return new Tensor[] {gb, null, gs};
        });
    }
}

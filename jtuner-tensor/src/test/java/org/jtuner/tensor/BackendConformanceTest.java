package org.jtuner.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import org.jtuner.tensor.Backend.Unary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op, on every available backend: forward values against straightforward double-precision references, and
 * gradients against finite differences, for several shapes including size 1 and sizes that are not multiples of
 * the vector width. A new backend (CUDA) runs exactly these tests by registering itself in {@link Backends}.
 */
class BackendConformanceTest {
    static Stream<Device> devices() {
        return Backends.available().stream().map(Backend::device);
    }

    private Scope scope;
    private final Random random = new Random(42);

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    // ------------------------------------------------------------------ helpers

    Tensor leaf(Device d, int... shape) {
        return leaf(d, 1.0, shape);
    }

    Tensor leaf(Device d, double std, int... shape) {
        float[] v = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * std);
        return Tensor.of(d, v, shape).requiresGrad(true);
    }

    static double[] d(Tensor t) {
        float[] f = t.toFloatArray();
        double[] r = new double[f.length];
        for (int i = 0; i < f.length; i++) r[i] = f[i];
        return r;
    }

    static void assertClose(String what, float[] actual, double[] expected, double rel) {
        assertThat(actual).as(what + ": length").hasSize(expected.length);
        double scale = 1e-6;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        for (int i = 0; i < expected.length; i++) {
            assertThat(Math.abs(actual[i] - expected[i]))
                    .as("%s [%d]: %s vs expected %s", what, i, actual[i], expected[i])
                    .isLessThanOrEqualTo(rel * scale + rel * Math.abs(expected[i]));
        }
    }

    static final int[][] SHAPES = {{1}, {7}, {3, 5}, {2, 3, 17}, {4, 33}, {1, 1, 1}};

    // ------------------------------------------------------------------ element-wise

    @ParameterizedTest
    @MethodSource("devices")
    void binaryOpsSameShapeAndBroadcast(Device dev) {
        int[][][] pairs = {{{7}, {7}}, {{3, 5}, {5}}, {{2, 3, 17}, {3, 1}}, {{4, 33}, {1}}, {{1}, {2, 3}},
            {{2, 1, 4}, {3, 1}}, {{1, 1, 1}, {1, 1, 1}}, {{4, 40}, {4, 40}}};
        for (int[][] p : pairs) {
            for (String op : List.of("add", "sub", "mul", "div")) {
                Tensor a = leaf(dev, p[0]), b = leaf(dev, p[1]);
                if (op.equals("div")) b = Tensor.of(dev, shifted(b, 2.0f), p[1]).requiresGrad(true);
                Function<Tensor[], Tensor> f = switch (op) {
                    case "add" -> x -> Ops.add(x[0], x[1]);
                    case "sub" -> x -> Ops.sub(x[0], x[1]);
                    case "mul" -> x -> Ops.mul(x[0], x[1]);
                    default -> x -> Ops.div(x[0], x[1]);
                };
                int[] out = Shapes.broadcast(op, p[0], p[1]);
                double[] expected = new double[(int) Shapes.numel(out)];
                double[] av = d(a), bv = d(b);
                for (int i = 0; i < expected.length; i++) {
                    double x = av[broadcastIndex(i, out, p[0])], y = bv[broadcastIndex(i, out, p[1])];
                    expected[i] = switch (op) {
                        case "add" -> x + y;
                        case "sub" -> x - y;
                        case "mul" -> x * y;
                        default -> x / y;
                    };
                }
                String what = op + " " + Shapes.str(p[0]) + " " + Shapes.str(p[1]);
                assertClose(what, f.apply(new Tensor[] {a, b}).toFloatArray(), expected, 1e-6);
                GradCheck.check(what, f, a, b);
            }
        }
    }

    private static float[] shifted(Tensor t, float by) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]) + by;
        return v;
    }

    /** The flat index in {@code shape} of the element broadcast to flat index i of {@code out}. */
    static int broadcastIndex(int i, int[] out, int[] shape) {
        int idx = 0, stride = 1;
        for (int d = out.length - 1, s = shape.length - 1; d >= 0; d--, s--) {
            int coord = i % out[d];
            i /= out[d];
            if (s >= 0) {
                if (shape[s] != 1) idx += coord * stride;
                stride *= shape[s];
            }
        }
        return idx;
    }

    @ParameterizedTest
    @MethodSource("devices")
    void unaryOpsAndActivations(Device dev) {
        for (Unary op : Unary.values()) {
            for (int[] shape : SHAPES) {
                Tensor x = leaf(dev, shape);
                if (op == Unary.LOG || op == Unary.SQRT || op == Unary.RSQRT) {
                    x = Tensor.of(dev, shifted(x, 0.5f), shape).requiresGrad(true);
                }
                Tensor in = x;
                double[] expected = d(in);
                for (int i = 0; i < expected.length; i++) expected[i] = reference(op, expected[i]);
                String what = op + " " + Shapes.str(shape);
                assertClose(what, Ops.unary(op, in).toFloatArray(), expected, 2e-6);
                if (op != Unary.ABS && op != Unary.RELU) GradCheck.check(what, t -> Ops.unary(op, t[0]), in);
            }
        }
    }

    static double reference(Unary op, double x) {
        return switch (op) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1 / Math.sqrt(x);
            case SQUARE -> x * x;
            case ABS -> Math.abs(x);
            case TANH -> Math.tanh(x);
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case RELU -> Math.max(0, x);
            case SILU -> x / (1 + Math.exp(-x));
            case GELU -> 0.5 * x * (1 + erfBySeries(x / Math.sqrt(2)));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x / (1 + Math.exp(-1.702 * x));
        };
    }

    /** erf by its Maclaurin series (|x| small here), independent of the kernel's rational approximation. */
    static double erfBySeries(double x) {
        double sum = 0, term = x;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    @ParameterizedTest
    @MethodSource("devices")
    void affineAndPow(Device dev) {
        for (int[] shape : SHAPES) {
            Tensor x = leaf(dev, shape);
            double[] e = d(x);
            for (int i = 0; i < e.length; i++) e[i] = e[i] * 2.5 - 0.75;
            assertClose("affine", Ops.affine(x, 2.5, -0.75).toFloatArray(), e, 1e-6);
            GradCheck.check("affine", t -> Ops.affine(t[0], 2.5, -0.75), x);
            Tensor pos = Tensor.of(dev, shifted(x, 0.5f), shape).requiresGrad(true);
            double[] p = d(pos);
            for (int i = 0; i < p.length; i++) p[i] = Math.pow(p[i], 1.5);
            assertClose("pow", Ops.pow(pos, 1.5).toFloatArray(), p, 1e-6);
            GradCheck.check("pow", t -> Ops.pow(t[0], 1.5), pos);
        }
    }

    // ------------------------------------------------------------------ reductions

    @ParameterizedTest
    @MethodSource("devices")
    void sumMeanMaxOverEachDimension(Device dev) {
        for (int[] shape : new int[][] {{7}, {3, 5}, {2, 3, 17}, {1, 4, 1}}) {
            for (int dim = 0; dim < shape.length; dim++) {
                Tensor x = leaf(dev, shape);
                int fd = dim;
                double[] xv = d(x);
                int outer = Shapes.prod(shape, 0, dim), size = shape[dim], inner = Shapes.prod(shape, dim + 1, shape.length);
                double[] sum = new double[outer * inner], max = new double[outer * inner];
                java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
                for (int o = 0; o < outer; o++) {
                    for (int s = 0; s < size; s++) {
                        for (int i = 0; i < inner; i++) {
                            double v = xv[(o * size + s) * inner + i];
                            sum[o * inner + i] += v;
                            max[o * inner + i] = Math.max(max[o * inner + i], v);
                        }
                    }
                }
                double[] mean = sum.clone();
                for (int i = 0; i < mean.length; i++) mean[i] /= size;
                String what = "dim " + dim + " of " + Shapes.str(shape);
                assertClose("sum " + what, Ops.sum(x, fd, false).toFloatArray(), sum, 1e-6);
                assertClose("mean " + what, Ops.mean(x, fd, true).toFloatArray(), mean, 1e-6);
                assertClose("max " + what, Ops.max(x, fd, false).toFloatArray(), max, 0);
                GradCheck.check("sum " + what, t -> Ops.sum(t[0], fd, false), x);
                GradCheck.check("mean " + what, t -> Ops.mean(t[0], fd, true), x);
                GradCheck.check("max " + what, t -> Ops.max(t[0], fd, false), x);
            }
        }
        Tensor x = leaf(dev, 3, 4);
        assertThat(Ops.sum(x).item()).isCloseTo((float) java.util.Arrays.stream(d(x)).sum(), org.assertj.core.data.Offset.offset(1e-5f));
        GradCheck.check("sum all", t -> Ops.sum(t[0]), x);
        GradCheck.check("mean all", t -> Ops.mean(t[0]), x);
    }

    // ------------------------------------------------------------------ products

    @ParameterizedTest
    @MethodSource("devices")
    void matmulAllTransposesAndBatches(Device dev) {
        int[][] mnk = {{1, 1, 1}, {3, 5, 7}, {17, 13, 33}, {1, 40, 9}, {64, 3, 70}};
        for (int[] s : mnk) {
            int m = s[0], n = s[1], k = s[2];
            for (int variant = 0; variant < 4; variant++) {
                boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                for (int batchCase = 0; batchCase < 3; batchCase++) { // 0: unbatched, 1: batched, 2: shared b
                    int batch = batchCase == 0 ? 1 : 3;
                    int[] shapeA = batchCase == 0 ? (ta ? new int[] {k, m} : new int[] {m, k})
                            : (ta ? new int[] {batch, k, m} : new int[] {batch, m, k});
                    int[] shapeB = batchCase == 1 ? (tb ? new int[] {batch, n, k} : new int[] {batch, k, n})
                            : (tb ? new int[] {n, k} : new int[] {k, n});
                    Tensor a = leaf(dev, shapeA), b = leaf(dev, shapeB);
                    double[] av = d(a), bv = d(b);
                    double[] expected = new double[batch * m * n];
                    for (int bi = 0; bi < batch; bi++) {
                        int aOff = batchCase == 0 ? 0 : bi * m * k, bOff = batchCase == 1 ? bi * k * n : 0;
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double acc = 0;
                                for (int p = 0; p < k; p++) {
                                    double x = av[aOff + (ta ? p * m + i : i * k + p)];
                                    double y = bv[bOff + (tb ? j * k + p : p * n + j)];
                                    acc += x * y;
                                }
                                expected[bi * m * n + i * n + j] = acc;
                            }
                        }
                    }
                    String what = "matmul m" + m + " n" + n + " k" + k + " ta" + ta + " tb" + tb + " case" + batchCase;
                    assertClose(what, Ops.matmul(a, ta, b, tb).toFloatArray(), expected, 1e-5);
                    GradCheck.check(what, t -> Ops.matmul(t[0], ta, t[1], tb), a, b);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void linearWithAndWithoutBias(Device dev) {
        Tensor x = leaf(dev, 2, 3, 5), w = leaf(dev, 7, 5), b = leaf(dev, 7);
        double[] xv = d(x), wv = d(w), bv = d(b);
        double[] e = new double[2 * 3 * 7];
        for (int r = 0; r < 6; r++) {
            for (int o = 0; o < 7; o++) {
                double acc = bv[o];
                for (int i = 0; i < 5; i++) acc += xv[r * 5 + i] * wv[o * 5 + i];
                e[r * 7 + o] = acc;
            }
        }
        Tensor y = F.linear(x, w, b);
        assertThat(y.shape()).containsExactly(2, 3, 7);
        assertClose("linear", y.toFloatArray(), e, 1e-5);
        GradCheck.check("linear", t -> F.linear(t[0], t[1], t[2]), x, w, b);
        GradCheck.check("linear no bias", t -> F.linear(t[0], t[1], null), x, w);
    }

    // ------------------------------------------------------------------ shapes and data movement

    @ParameterizedTest
    @MethodSource("devices")
    void reshapePermuteTranspose(Device dev) {
        Tensor x = leaf(dev, 2, 3, 4, 5);
        double[] xv = d(x);
        int[] perm = {2, 0, 3, 1};
        Tensor p = Ops.permute(x, perm);
        assertThat(p.shape()).containsExactly(4, 2, 5, 3);
        float[] pv = p.toFloatArray();
        int[] sx = {2, 3, 4, 5};
        long[] st = Shapes.strides(sx);
        int[] so = p.shape();
        for (int i = 0; i < pv.length; i++) {
            int rem = i;
            long src = 0;
            for (int dd = so.length - 1; dd >= 0; dd--) {
                src += (rem % so[dd]) * st[perm[dd]];
                rem /= so[dd];
            }
            assertThat((double) pv[i]).isEqualTo(xv[(int) src]);
        }
        GradCheck.check("permute", t -> Ops.permute(t[0], perm), x);
        GradCheck.check("transpose", t -> Ops.transpose(t[0], 1, 3), x);
        GradCheck.check("reshape", t -> Ops.mul(Ops.reshape(t[0], 6, -1), Ops.reshape(t[0], 6, 20)), x);
        GradCheck.check("permute keeps last", t -> Ops.permute(t[0], 1, 0, 2, 3), x);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void sliceSplitConcat(Device dev) {
        Tensor x = leaf(dev, 3, 7, 5);
        for (int dim = 0; dim < 3; dim++) {
            int fd = dim;
            int len = x.shape()[dim];
            Tensor s = Ops.slice(x, dim, 1, len);
            double[] xv = d(x);
            float[] sv = s.toFloatArray();
            int[] ss = s.shape();
            for (int i = 0; i < sv.length; i++) {
                int[] idx = unflatten(i, ss);
                idx[dim] += 1;
                assertThat((double) sv[i]).isEqualTo(xv[flatten(idx, x.shape())]);
            }
            GradCheck.check("slice dim " + dim, t -> Ops.slice(t[0], fd, 1, len), x);
            GradCheck.check("split+concat dim " + dim, t -> {
                List<Tensor> parts = Ops.split(t[0], fd, 1, len - 1);
                return Ops.concat(fd, Ops.mul(parts.get(1), parts.get(1)), parts.get(0));
            }, x);
        }
        Tensor a = leaf(dev, 2, 3), b = leaf(dev, 2, 4);
        Tensor c = Ops.concat(1, a, b);
        assertThat(c.shape()).containsExactly(2, 7);
        assertThat(c.toFloatArray()[3]).isEqualTo(b.toFloatArray()[0]);
    }

    static int[] unflatten(int i, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % shape[d];
            i /= shape[d];
        }
        return idx;
    }

    static int flatten(int[] idx, int[] shape) {
        int f = 0;
        for (int d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
        return f;
    }

    @ParameterizedTest
    @MethodSource("devices")
    void gatherIndexSelectEmbeddingScatter(Device dev) {
        Tensor table = leaf(dev, 6, 5);
        Tensor ids = Tensor.ofInts(dev, new int[] {4, 0, 4, 2, 5, 1}, 2, 3);
        Tensor e = F.embedding(ids, table);
        assertThat(e.shape()).containsExactly(2, 3, 5);
        float[] tv = table.toFloatArray(), ev = e.toFloatArray();
        int[] idv = ids.toIntArray();
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 5; c++) assertThat(ev[r * 5 + c]).isEqualTo(tv[idv[r] * 5 + c]);
        }
        GradCheck.check("embedding (repeated ids accumulate)", t -> F.embedding(ids, t[0]), table);
        Tensor cols = Tensor.ofInts(dev, new int[] {3, 1}, 2);
        Tensor sel = Ops.indexSelect(table, 1, cols);
        assertThat(sel.shape()).containsExactly(6, 2);
        assertThat(sel.toFloatArray()[0]).isEqualTo(tv[3]);
        GradCheck.check("indexSelect dim 1", t -> Ops.indexSelect(t[0], 1, cols), table);

        Tensor seq = leaf(dev, 8, 4), feats = leaf(dev, 3, 4);
        Tensor where = Tensor.ofInts(dev, new int[] {2, 3, 6}, 3);
        Tensor merged = Ops.scatterRows(seq, where, feats);
        float[] mv = merged.toFloatArray(), sv = seq.toFloatArray(), fv = feats.toFloatArray();
        for (int r = 0; r < 8; r++) {
            int src = r == 2 ? 0 : r == 3 ? 1 : r == 6 ? 2 : -1;
            for (int c = 0; c < 4; c++) {
                assertThat(mv[r * 4 + c]).isEqualTo(src < 0 ? sv[r * 4 + c] : fv[src * 4 + c]);
            }
        }
        GradCheck.check("scatterRows", t -> Ops.scatterRows(t[0], where, t[1]), seq, feats);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void castRoundTripsAndBf16Rounding(Device dev) {
        float[] v = {1.0f, -2.5f, 3.14159265f, 1e-3f, 65504f, 1.00390625f, 1.01171875f};
        Tensor x = Tensor.of(dev, v, v.length);
        float[] bf = x.to(DType.BF16).to(DType.F32).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            int bits = Float.floatToIntBits(v[i]);
            int lsb = (bits >>> 16) & 1;
            float expected = Float.intBitsToFloat(((bits + 0x7FFF + lsb) >>> 16) << 16); // nearest-even
            assertThat(bf[i]).isEqualTo(expected);
        }
        assertThat(bf[5]).isEqualTo(1.0f);      // tie rounds to even (down)
        assertThat(bf[6]).isEqualTo(1.015625f); // tie rounds to even (up)
        float[] h = x.to(DType.F16).to(DType.F32).toFloatArray();
        for (int i = 0; i < v.length; i++) assertThat(h[i]).isEqualTo(Float.float16ToFloat(Float.floatToFloat16(v[i])));
        Tensor ints = Tensor.ofInts(dev, new int[] {3, -7}, 2);
        assertThat(ints.to(DType.F32).toFloatArray()).containsExactly(3f, -7f);
        Tensor w = leaf(dev, 4, 3);
        GradCheck.check("cast through bf16 is differentiable", t -> Ops.cast(Ops.cast(t[0], DType.BF16), DType.F32), 3e-2, 5e-2, 64, w);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void frozenHalfPrecisionWeightsComputeLikeTheirF32Values(Device dev) {
        Tensor x = leaf(dev, 3, 8);
        Tensor w = Tensor.of(dev, new float[] {0.5f, 1, 1.5f, 2, -1, 0.25f, 3, 1}, 8);
        Tensor table = Tensor.of(dev, shifted(leaf(dev, 5, 8), 0), 5, 8);
        Tensor ids = Tensor.ofInts(dev, new int[] {4, 1, 4}, 3);
        for (DType half : new DType[] {DType.BF16, DType.F16}) {
            Tensor wh = w.to(half), th = table.to(half);
            assertThat(F.rmsNorm(x, wh, 1e-6).toFloatArray()).containsExactly(F.rmsNorm(x, wh.to(DType.F32), 1e-6).toFloatArray());
            assertThat(F.layerNorm(x, wh, wh, 1e-6).toFloatArray())
                    .containsExactly(F.layerNorm(x, wh.to(DType.F32), wh.to(DType.F32), 1e-6).toFloatArray());
            assertThat(F.embedding(ids, th).toFloatArray()).containsExactly(F.embedding(ids, th.to(DType.F32)).toFloatArray());
            assertThat(F.linear(x, Tensor.of(dev, shifted(leaf(dev, 4, 8), 0), 4, 8).to(half), null).shape()).containsExactly(3, 4);
        }
    }

    // ------------------------------------------------------------------ fused layers

    @ParameterizedTest
    @MethodSource("devices")
    void rmsNormAndLayerNorm(Device dev) {
        for (int[] shape : new int[][] {{1, 1}, {3, 7}, {2, 2, 33}, {5, 64}}) {
            int width = shape[shape.length - 1];
            Tensor x = leaf(dev, shape), w = leaf(dev, width), b = leaf(dev, width);
            double[] xv = d(x), wv = d(w), bv = d(b);
            int rows = xv.length / width;
            double[] rms = new double[xv.length], ln = new double[xv.length];
            for (int r = 0; r < rows; r++) {
                double ss = 0, mu = 0;
                for (int i = 0; i < width; i++) {
                    ss += xv[r * width + i] * xv[r * width + i];
                    mu += xv[r * width + i];
                }
                mu /= width;
                double var = 0;
                for (int i = 0; i < width; i++) var += Math.pow(xv[r * width + i] - mu, 2);
                var /= width;
                for (int i = 0; i < width; i++) {
                    rms[r * width + i] = xv[r * width + i] / Math.sqrt(ss / width + 1e-5) * wv[i];
                    ln[r * width + i] = (xv[r * width + i] - mu) / Math.sqrt(var + 1e-5) * wv[i] + bv[i];
                }
            }
            String what = Shapes.str(shape);
            assertClose("rmsNorm " + what, F.rmsNorm(x, w, 1e-5).toFloatArray(), rms, 1e-5);
            assertClose("layerNorm " + what, F.layerNorm(x, w, b, 1e-5).toFloatArray(), ln, 1e-5);
            if (width > 1) {
                GradCheck.check("rmsNorm " + what, t -> F.rmsNorm(t[0], t[1], 1e-5), x, w);
                GradCheck.check("layerNorm " + what, t -> F.layerNorm(t[0], t[1], t[2], 1e-5), x, w, b);
                GradCheck.check("layerNorm no affine " + what, t -> F.layerNorm(t[0], null, null, 1e-5), x);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void softmaxAndLogSoftmax(Device dev) {
        for (int[] shape : new int[][] {{1}, {3, 7}, {2, 2, 33}, {4, 100}}) {
            Tensor x = leaf(dev, 3.0, shape);
            int width = shape[shape.length - 1];
            double[] xv = d(x), sm = new double[xv.length], lsm = new double[xv.length];
            for (int r = 0; r < xv.length / width; r++) {
                double max = Double.NEGATIVE_INFINITY, total = 0;
                for (int i = 0; i < width; i++) max = Math.max(max, xv[r * width + i]);
                for (int i = 0; i < width; i++) total += Math.exp(xv[r * width + i] - max);
                for (int i = 0; i < width; i++) {
                    sm[r * width + i] = Math.exp(xv[r * width + i] - max) / total;
                    lsm[r * width + i] = xv[r * width + i] - max - Math.log(total);
                }
            }
            assertClose("softmax", F.softmax(x).toFloatArray(), sm, 1e-6);
            assertClose("logSoftmax", F.logSoftmax(x).toFloatArray(), lsm, 1e-6);
            GradCheck.check("softmax " + Shapes.str(shape), t -> F.softmax(t[0]), x);
            GradCheck.check("logSoftmax " + Shapes.str(shape), t -> F.logSoftmax(t[0]), x);
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void crossEntropyIgnoresMinus100AndAveragesOverValidTokens(Device dev) {
        for (int vocab : new int[] {1, 5, 37}) {
            Tensor logits = leaf(dev, 2.0, 2, 3, vocab);
            int[] labels = {0, -100, vocab - 1, vocab / 2, -100, 0};
            Tensor lab = Tensor.ofInts(dev, labels, 2, 3);
            double[] lv = d(logits);
            double total = 0;
            int count = 0;
            for (int r = 0; r < 6; r++) {
                if (labels[r] == -100) continue;
                double max = Double.NEGATIVE_INFINITY, s = 0;
                for (int i = 0; i < vocab; i++) max = Math.max(max, lv[r * vocab + i]);
                for (int i = 0; i < vocab; i++) s += Math.exp(lv[r * vocab + i] - max);
                total += max + Math.log(s) - lv[r * vocab + labels[r]];
                count++;
            }
            Tensor loss = F.crossEntropy(logits, lab, -100);
            assertClose("crossEntropy V=" + vocab, loss.toFloatArray(), new double[] {total / count}, 1e-6);
            GradCheck.check("crossEntropy V=" + vocab, t -> F.crossEntropy(t[0], lab, -100), logits);
        }
        Tensor allIgnored = F.crossEntropy(leaf(dev, 2, 4), Tensor.ofInts(dev, new int[] {-100, -100}, 2), -100);
        assertThat(allIgnored.item()).isNaN(); // as torch: mean over zero tokens
    }

    @ParameterizedTest
    @MethodSource("devices")
    void swigluAndDropout(Device dev) {
        Tensor g = leaf(dev, 3, 37), u = leaf(dev, 3, 37);
        double[] gv = d(g), uv = d(u), e = new double[gv.length];
        for (int i = 0; i < e.length; i++) e[i] = gv[i] / (1 + Math.exp(-gv[i])) * uv[i];
        assertClose("swiglu", F.swiglu(g, u).toFloatArray(), e, 1e-6);
        GradCheck.check("swiglu", t -> F.swiglu(t[0], t[1]), g, u);

        Tensor x = Tensor.ones(100_000);
        float[] kept = F.dropout(x, 0.25, 7, true).toFloatArray();
        int zeros = 0;
        for (float v : kept) {
            assertThat(v == 0f || Math.abs(v - 1 / 0.75f) < 1e-6).isTrue();
            if (v == 0f) zeros++;
        }
        assertThat(zeros / 100_000.0).isBetween(0.24, 0.26);
        assertThat(F.dropout(x, 0.25, 7, true).toFloatArray()).containsExactly(kept);   // same seed, same mask
        assertThat(F.dropout(x, 0.25, 8, true).toFloatArray()).isNotEqualTo(kept);
        assertThat(F.dropout(x, 0.25, 7, false)).isSameAs(x);
        Tensor y = leaf(dev, 4, 9);
        GradCheck.check("dropout", t -> F.dropout(t[0], 0.3, 11, true), y);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void ropeMatchesRotateHalfWithScaling(Device dev) {
        for (int dim : new int[] {8, 40}) ropeCase(dev, dim); // 40: a vector body and a scalar tail
    }

    private void ropeCase(Device dev, int dim) {
        int b = 2, h = 3, t = 5;
        Tensor x = leaf(dev, b, h, t, dim);
        int[] pos = {0, 1, 2, 3, 4, 7, 8, 9, 10, 11};
        Tensor positions = Tensor.ofInts(dev, pos, b, t);
        for (double scale : new double[] {1.0, 4.0}) {
            Tensor[] cs = F.ropeTables(dev, pos, b, t, F.ropeInverseFrequencies(dim, 10000, scale));
            double[] xv = d(x), e = new double[xv.length];
            for (int bi = 0; bi < b; bi++) {
                for (int hi = 0; hi < h; hi++) {
                    for (int ti = 0; ti < t; ti++) {
                        int o = ((bi * h + hi) * t + ti) * dim;
                        for (int i = 0; i < dim; i++) {
                            double freq = 1 / Math.pow(10000, (2.0 * (i % (dim / 2))) / dim) / scale;
                            double angle = pos[bi * t + ti] * freq;
                            double rotated = i < dim / 2 ? -xv[o + i + dim / 2] : xv[o + i - dim / 2];
                            e[o + i] = xv[o + i] * Math.cos(angle) + rotated * Math.sin(angle);
                        }
                    }
                }
            }
            assertClose("rope scale " + scale, F.rope(x, cs[0], cs[1]).toFloatArray(), e, 1e-5);
            GradCheck.check("rope", tt -> F.rope(tt[0], cs[0], cs[1]), x);
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void attentionCausalPaddingAndGroupedQuery(Device dev) {
        int b = 2, heads = 4, kvHeads = 2, t = 5, dim = 3;
        Tensor q = leaf(dev, b, heads, t, dim), k = leaf(dev, b, kvHeads, t, dim), v = leaf(dev, b, kvHeads, t, dim);
        Tensor keep = Tensor.ofInts(dev, new int[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, b, t);
        double scale = 1 / Math.sqrt(dim);
        double[] qv = d(q), kv = d(k), vv = d(v), e = new double[qv.length];
        int[] keepv = keep.toIntArray();
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < heads; hi++) {
                int kh = hi / (heads / kvHeads);
                for (int i = 0; i < t; i++) {
                    double[] w = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < t; j++) {
                        if (j > i || keepv[bi * t + j] == 0) {
                            w[j] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double s = 0;
                        for (int c = 0; c < dim; c++) {
                            s += qv[((bi * heads + hi) * t + i) * dim + c] * kv[((bi * kvHeads + kh) * t + j) * dim + c];
                        }
                        w[j] = s * scale;
                        max = Math.max(max, w[j]);
                    }
                    double total = 0;
                    for (int j = 0; j < t; j++) total += w[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(w[j] - max);
                    for (int c = 0; c < dim; c++) {
                        double acc = 0;
                        for (int j = 0; j < t; j++) {
                            if (w[j] == Double.NEGATIVE_INFINITY) continue;
                            acc += Math.exp(w[j] - max) / total * vv[((bi * kvHeads + kh) * t + j) * dim + c];
                        }
                        e[((bi * heads + hi) * t + i) * dim + c] = acc;
                    }
                }
            }
        }
        assertClose("attention", F.attention(q, k, v, true, keep, scale).toFloatArray(), e, 1e-5);
        GradCheck.check("attention", x -> F.attention(x[0], x[1], x[2], true, keep, scale), q, k, v);
        GradCheck.check("attention, no mask", x -> F.attention(x[0], x[1], x[2], false, null, scale), q, k, v);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void conv2dWithStrideEqualToKernel(Device dev) {
        int b = 2, c = 3, hgt = 6, wid = 4, o = 5, k = 2;
        Tensor x = leaf(dev, b, c, hgt, wid), w = leaf(dev, o, c, k, k), bias = leaf(dev, o);
        double[] xv = d(x), wv = d(w), bv = d(bias);
        int gh = hgt / k, gw = wid / k;
        double[] e = new double[b * o * gh * gw];
        for (int bi = 0; bi < b; bi++) {
            for (int oc = 0; oc < o; oc++) {
                for (int py = 0; py < gh; py++) {
                    for (int px = 0; px < gw; px++) {
                        double acc = bv[oc];
                        for (int ic = 0; ic < c; ic++) {
                            for (int ky = 0; ky < k; ky++) {
                                for (int kx = 0; kx < k; kx++) {
                                    acc += xv[((bi * c + ic) * hgt + py * k + ky) * wid + px * k + kx]
                                            * wv[((oc * c + ic) * k + ky) * k + kx];
                                }
                            }
                        }
                        e[((bi * o + oc) * gh + py) * gw + px] = acc;
                    }
                }
            }
        }
        Tensor y = F.conv2dPatches(x, w, bias);
        assertThat(y.shape()).containsExactly(b, o, gh, gw);
        assertClose("conv2d", y.toFloatArray(), e, 1e-5);
        GradCheck.check("conv2d", t -> F.conv2dPatches(t[0], t[1], t[2]), x, w, bias);
    }
}

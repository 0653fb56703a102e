package org.jtuner.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.tensor.autograd.GradFn;

/**
 * An n-dimensional array with a shape, a dtype, a device and contiguous native storage. A tensor belongs to the
 * scope that was open when it was made (see {@link Scope}) and is freed with it; using it afterwards throws
 * {@link IllegalStateException}. Ops live in {@link Ops} and {@link F}; the instance methods here are shorthands.
 */
public final class Tensor implements AutoCloseable {
    private final int[] shape;
    private final DType dtype;
    private final Storage storage;
    private final long offset; // in bytes, for views that start inside a storage
    private Scope owner;
    private boolean freed;

    private boolean requiresGrad;
    private Tensor grad;
    private GradFn gradFn;
    private String name;

    private Tensor(int[] shape, DType dtype, Storage storage, long offset) {
        this.shape = shape.clone();
        this.dtype = dtype;
        this.storage = storage;
        this.offset = offset;
        storage.retain();
        this.owner = Scope.current();
        if (owner != null) owner.register(this);
    }

    // ---------------------------------------------------------------- creation

    /** An uninitialised tensor on {@code device}. */
    public static Tensor empty(Device device, DType dtype, int... shape) {
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Shapes.str(shape));
        }
        Backend backend = Backends.of(device);
        long bytes = Math.max(1, Shapes.numel(shape)) * dtype.bytes();
        return new Tensor(shape, dtype, new Storage(backend, backend.allocate(bytes), bytes), 0);
    }

    public static Tensor empty(DType dtype, int... shape) {
        return empty(Device.CPU, dtype, shape);
    }

    public static Tensor zeros(Device device, DType dtype, int... shape) {
        Tensor t = empty(device, dtype, shape);
        t.backend().fill(t, 0);
        return t;
    }

    public static Tensor zeros(int... shape) {
        return zeros(Device.CPU, DType.F32, shape);
    }

    public static Tensor full(double value, int... shape) {
        Tensor t = empty(DType.F32, shape);
        t.backend().fill(t, value);
        return t;
    }

    public static Tensor ones(int... shape) {
        return full(1, shape);
    }

    public static Tensor of(float[] data, int... shape) {
        return of(Device.CPU, data, shape);
    }

    public static Tensor of(Device device, float[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = empty(device, DType.F32, shape);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocateFrom(ValueLayout.JAVA_FLOAT, data);
            t.backend().copyFromHost(host, t);
        }
        return t;
    }

    public static Tensor ofInts(int[] data, int... shape) {
        return ofInts(Device.CPU, data, shape);
    }

    public static Tensor ofInts(Device device, int[] data, int... shape) {
        checkLength(data.length, shape);
        Tensor t = empty(device, DType.I32, shape);
        try (Arena arena = Arena.ofConfined()) {
            t.backend().copyFromHost(arena.allocateFrom(ValueLayout.JAVA_INT, data), t);
        }
        return t;
    }

    /** A tensor of the given dtype filled from raw little-endian bytes (e.g. a safetensors slice). */
    public static Tensor fromBytes(Device device, DType dtype, MemorySegment bytes, int... shape) {
        Tensor t = empty(device, dtype, shape);
        if (bytes.byteSize() != t.byteSize()) {
            throw new IllegalArgumentException("fromBytes: " + bytes.byteSize() + " bytes for shape "
                    + Shapes.str(shape) + " of " + dtype + " (needs " + t.byteSize() + ")");
        }
        t.backend().copyFromHost(bytes, t);
        return t;
    }

    /** Normal(0, std²) values from {@code random}. */
    public static Tensor randn(Random random, double std, int... shape) {
        float[] v = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextGaussian() * std);
        return of(v, shape);
    }

    /** Uniform values in [lo, hi) from {@code random}. */
    public static Tensor uniform(Random random, double lo, double hi, int... shape) {
        float[] v = new float[(int) Shapes.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return of(v, shape);
    }

    private static void checkLength(int length, int[] shape) {
        if (length != Shapes.numel(shape)) {
            throw new IllegalArgumentException(length + " values do not fill shape " + Shapes.str(shape));
        }
    }

    // ---------------------------------------------------------------- properties

    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of a dimension; negative counts from the end. */
    public int size(int dim) {
        return shape[Shapes.dim("size", shape, dim)];
    }

    public long numel() {
        return Shapes.numel(shape);
    }

    public long byteSize() {
        return numel() * dtype.bytes();
    }

    public DType dtype() {
        return dtype;
    }

    public Device device() {
        return storage.backend().device();
    }

    public Backend backend() {
        return storage.backend();
    }

    /** This tensor's memory: a slice of its storage. Throws when the tensor was freed. */
    public MemorySegment segment() {
        checkLive();
        return storage.segment().asSlice(offset, byteSize());
    }

    public Storage storage() {
        return storage;
    }

    public long offsetBytes() {
        return offset;
    }

    public boolean isFreed() {
        return freed || storage.isFreed();
    }

    public void checkLive() {
        if (isFreed()) {
            throw new IllegalStateException("tensor " + describe() + " was freed (its scope closed or it was closed)");
        }
    }

    public String name() {
        return name;
    }

    public Tensor named(String name) {
        this.name = name;
        return this;
    }

    public String describe() {
        return (name != null ? "'" + name + "' " : "") + dtype + Shapes.str(shape);
    }

    @Override
    public String toString() {
        return "Tensor" + Shapes.str(shape) + " " + dtype + " " + device() + (isFreed() ? " (freed)" : "");
    }

    Scope owner() {
        return owner;
    }

    void setOwner(Scope s) {
        owner = s;
    }

    /** Frees this tensor's hold on its storage. Idempotent. A tensor in a scope is also freed when it closes. */
    @Override
    public void close() {
        free();
    }

    void free() {
        if (freed) return;
        freed = true;
        storage.release();
        if (grad != null) grad.free();
        grad = null;
        gradFn = null;
    }

    // ---------------------------------------------------------------- autograd state

    public boolean requiresGrad() {
        return requiresGrad || gradFn != null;
    }

    /** Marks a leaf as trainable (gradients accumulate into {@link #grad()}) or frozen. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null) throw new IllegalStateException("requiresGrad can only be set on leaf tensors");
        if (value && !dtype.isFloating()) throw new IllegalArgumentException("integer tensors cannot require grad");
        requiresGrad = value;
        return this;
    }

    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The accumulated gradient of a leaf, or null before any backward. */
    public Tensor grad() {
        return grad;
    }

    public void setGrad(Tensor g) {
        grad = g;
    }

    /** Frees the accumulated gradient. */
    public void zeroGrad() {
        if (grad != null) grad.free();
        grad = null;
    }

    public GradFn gradFn() {
        return gradFn;
    }

    public void setGradFn(GradFn fn) {
        gradFn = fn;
    }

    /**
     * Adds {@code g} into this leaf's gradient. The gradient is allocated in the scope that owns this tensor, so
     * a parameter's gradient outlives the step scope in which backward ran.
     */
    public void accumulateGrad(Tensor g) {
        if (!requiresGrad) return;
        if (grad == null) {
            grad = Scope.within(owner, () -> {
                Tensor copy = empty(device(), DType.F32, shape);
                backend().cast(g, copy);
                return copy;
            });
        } else {
            backend().addInPlace(grad, g);
        }
    }

    /** A copy with its own storage, outside the graph, in the current scope. */
    public Tensor detachedCopy() {
        Tensor c = empty(device(), dtype, shape);
        backend().cast(this, c);
        return c;
    }

    /** Back-propagates from this scalar. */
    public void backward() {
        Autograd.backward(this, null, false);
    }

    /** Back-propagates with an explicit seed gradient of this tensor's shape. */
    public void backward(Tensor seed) {
        Autograd.backward(this, seed, false);
    }

    /** Back-propagates, keeping the graph for another backward when {@code retainGraph}. */
    public void backward(Tensor seed, boolean retainGraph) {
        Autograd.backward(this, seed, retainGraph);
    }

    /** A tensor sharing this storage but cut off from the graph. */
    public Tensor detach() {
        return new Tensor(shape, dtype, storage, offset);
    }

    /** A view with another shape over the same memory (contiguous storage makes every reshape a view). */
    Tensor view(int[] newShape) {
        checkLive();
        return new Tensor(newShape, dtype, storage, offset);
    }

    /** A view of entries {@code [from, to)} of dimension {@code d}, when all dimensions before d have size 1. */
    Tensor rowsViewAlong(int d, int from, int to) {
        checkLive();
        int[] s = shape.clone();
        s[d] = to - from;
        long sliceBytes = (long) Shapes.prod(shape, d + 1, shape.length) * dtype.bytes();
        return new Tensor(s, dtype, storage, offset + from * sliceBytes);
    }

    /** Allocates an output of this tensor's device (helper for ops). */
    public Tensor newEmpty(DType type, int... newShape) {
        return empty(device(), type, newShape);
    }

    // ---------------------------------------------------------------- data out

    public float[] toFloatArray() {
        Tensor f = dtype == DType.F32 ? this : Ops.cast(this, DType.F32);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(f.byteSize(), 64);
            f.backend().copyToHost(f, host);
            return host.toArray(ValueLayout.JAVA_FLOAT);
        } finally {
            if (f != this) f.free();
        }
    }

    public int[] toIntArray() {
        if (dtype != DType.I32) throw new IllegalArgumentException("toIntArray on a " + dtype + " tensor");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(byteSize(), 64);
            backend().copyToHost(this, host);
            return host.toArray(ValueLayout.JAVA_INT);
        }
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) throw new IllegalArgumentException("item() on a tensor of shape " + Shapes.str(shape));
        return dtype == DType.I32 ? toIntArray()[0] : toFloatArray()[0];
    }

    // ---------------------------------------------------------------- op shorthands

    public Tensor add(Tensor o) { return Ops.add(this, o); }
    public Tensor sub(Tensor o) { return Ops.sub(this, o); }
    public Tensor mul(Tensor o) { return Ops.mul(this, o); }
    public Tensor div(Tensor o) { return Ops.div(this, o); }
    public Tensor add(double s) { return Ops.affine(this, 1, s); }
    public Tensor mul(double s) { return Ops.affine(this, s, 0); }
    public Tensor neg() { return Ops.affine(this, -1, 0); }
    public Tensor matmul(Tensor o) { return Ops.matmul(this, o); }
    public Tensor sum() { return Ops.sum(this); }
    public Tensor mean() { return Ops.mean(this); }
    public Tensor sum(int dim, boolean keepDim) { return Ops.sum(this, dim, keepDim); }
    public Tensor mean(int dim, boolean keepDim) { return Ops.mean(this, dim, keepDim); }
    public Tensor max(int dim, boolean keepDim) { return Ops.max(this, dim, keepDim); }
    public Tensor reshape(int... s) { return Ops.reshape(this, s); }
    public Tensor permute(int... p) { return Ops.permute(this, p); }
    public Tensor transpose(int a, int b) { return Ops.transpose(this, a, b); }
    public Tensor slice(int dim, int from, int to) { return Ops.slice(this, dim, from, to); }
    public Tensor to(DType t) { return Ops.cast(this, t); }
}

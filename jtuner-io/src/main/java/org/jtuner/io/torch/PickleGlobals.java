package org.jtuner.io.torch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The globals a weights-only unpickle may resolve, in the spirit of {@code torch.load(weights_only=True)}: the
 * functions that rebuild tensors and parameters, the typed storage classes, and {@code OrderedDict}. Each is
 * implemented here in Java; nothing named in a pickle is ever looked up or run, so any other global (os.system,
 * builtins.eval, subprocess.Popen, ...) is refused before its arguments are even read.
 */
final class PickleGlobals {
    private PickleGlobals() {}

    /** A resolved global that REDUCE may call with its argument tuple. */
    interface Callable {
        Object call(List<Object> args);
    }

    /** A {@code torch.*Storage} class, as it appears in a storage's persistent id. */
    record StorageType(String className, String dtype, int elementSize) {}

    /** What {@code _rebuild_tensor_v2} returns: a view of a storage (offset and strides in elements). */
    record TensorRef(Object storage, long offset, long[] shape, long[] stride) {}

    private static final Map<String, StorageType> STORAGES = new LinkedHashMap<>();
    static {
        storage("FloatStorage", "F32", 4);
        storage("HalfStorage", "F16", 2);
        storage("BFloat16Storage", "BF16", 2);
        storage("DoubleStorage", "F64", 8);
        storage("LongStorage", "I64", 8);
        storage("IntStorage", "I32", 4);
        storage("ShortStorage", "I16", 2);
        storage("CharStorage", "I8", 1);
        storage("ByteStorage", "U8", 1);
        storage("BoolStorage", "BOOL", 1);
    }

    private static void storage(String name, String dtype, int size) {
        STORAGES.put(name, new StorageType(name, dtype, size));
    }

    /** The allowed global {@code module.name}, or null when it is not on the list. */
    static Object resolve(String module, String name) {
        String full = module + "." + name;
        return switch (full) {
            case "collections.OrderedDict" -> (Callable) args -> new LinkedHashMap<Object, Object>();
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> (Callable) PickleGlobals::rebuildTensor;
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" ->
                    (Callable) args -> args.getFirst();
            default -> module.equals("torch") ? STORAGES.get(name) : null;
        };
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static Object rebuildTensor(List<Object> args) {
        if (args.size() < 4) throw new IllegalArgumentException("_rebuild_tensor_v2 with " + args.size() + " arguments");
        long offset = asLong(args.get(1), "storage_offset");
        long[] shape = longs(args.get(2), "size");
        long[] stride = longs(args.get(3), "stride");
        if (shape.length != stride.length) {
            throw new IllegalArgumentException("tensor size " + List.of(args.get(2)) + " and stride " + args.get(3)
                    + " differ in length");
        }
        return new TensorRef(args.get(0), offset, shape, stride);
    }

    static long asLong(Object o, String what) {
        if (o instanceof Long l) return l;
        if (o instanceof Integer i) return i;
        throw new IllegalArgumentException(what + " is not an integer: " + o);
    }

    private static long[] longs(Object o, String what) {
        if (!(o instanceof List<?> list)) throw new IllegalArgumentException(what + " is not a tuple: " + o);
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) out[i] = asLong(list.get(i), what);
        return out;
    }
}

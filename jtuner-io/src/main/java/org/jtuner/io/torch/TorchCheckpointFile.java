package org.jtuner.io.torch;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.jtuner.io.TensorFile;
import org.jtuner.io.safetensors.TensorInfo;

/**
 * A file written by {@code torch.save}, read without running anything: the zip format of PyTorch ≥ 1.6
 * ({@code <archive>/data.pkl} plus one {@code <archive>/data/<key>} entry per storage) and the legacy format before it
 * (a sequence of pickles followed by the raw storages). The pickle goes through {@link RestrictedUnpickler}, so a file
 * naming any global beyond tensors, storages and {@code OrderedDict} is refused with the global's name.
 *
 * <p>The state dict is the top-level dict, or its {@code state_dict} entry (mmengine and XTuner's {@code iter_N.pth},
 * beside {@code meta} and {@code message_hub}), or its {@code module} entry (DeepSpeed's
 * {@code mp_rank_00_model_states.pt}). Every tensor's extent is checked against its storage when the file is opened;
 * a tensor that needs bytes its storage does not have is an error naming the file and the tensor.
 *
 * <p>The file is memory-mapped; a contiguous tensor of a stored (uncompressed) entry is a zero-copy slice of the
 * mapping, as with safetensors. Strided views are copied into row-major order once, at open.
 */
public final class TorchCheckpointFile implements TensorFile {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private final Path path;
    private final Arena arena;
    private final Map<String, TensorInfo> infos;
    private final Map<String, MemorySegment> data;
    private final List<String> sortedNames;

    private TorchCheckpointFile(Path path, Arena arena, Map<String, TensorInfo> infos, Map<String, MemorySegment> data) {
        this.path = path;
        this.arena = arena;
        this.infos = infos;
        this.data = data;
        List<String> names = new ArrayList<>(infos.keySet());
        names.sort(null);
        this.sortedNames = List.copyOf(names);
    }

    /** A storage as the pickle names it: its key, element type and size, and (legacy views) an element offset. */
    private record StorageRef(String key, PickleGlobals.StorageType type, long numel, long viewOffset) {}

    /** Whether the file starts as a torch.save file does (a zip, or the legacy format's first pickle). */
    public static boolean looksLikeTorch(MemorySegment head) {
        if (head.byteSize() < 4) return false;
        byte b0 = head.get(ValueLayout.JAVA_BYTE, 0), b1 = head.get(ValueLayout.JAVA_BYTE, 1);
        return b0 == 'P' && b1 == 'K' || b0 == (byte) 0x80;
    }

    /**
     * Opens, reads the pickle of and validates {@code file}.
     *
     * @throws TorchCheckpointException when it is refused (a forbidden global) or malformed; the message names the
     *                                  file and the tensor or global
     */
    public static TorchCheckpointFile open(Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) throw new TorchCheckpointException(file, "not a PyTorch checkpoint: only " + size + " bytes");
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            byte b0 = mapped.get(ValueLayout.JAVA_BYTE, 0);
            TorchCheckpointFile f = b0 == 'P' ? readZip(file, mapped, arena)
                    : b0 == (byte) 0x80 ? readLegacy(file, mapped, arena)
                    : null;
            if (f == null) {
                throw new TorchCheckpointException(file, "not a PyTorch checkpoint (neither a torch.save zip nor the "
                        + "legacy pickle format)");
            }
            return f;
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    // ---------------------------------------------------------------- zip format

    private static TorchCheckpointFile readZip(Path file, MemorySegment zip, Arena arena) throws IOException {
        Map<String, ZipEntries.Entry> entries;
        try {
            entries = ZipEntries.read(file, zip);
        } catch (ZipEntries.NoCentralDirectory e) {
            throw truncated(file, zip, e.getMessage());
        }
        ZipEntries.Entry pkl = entries.values().stream().filter(en -> en.name().endsWith("data.pkl")).findFirst()
                .orElseThrow(() -> new TorchCheckpointException(file, "a zip without data.pkl: not a torch.save file"));
        String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
        ZipEntries.Entry order = entries.get(prefix + "byteorder");
        if (order != null && new String(bytesOf(file, zip, order, arena).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.US_ASCII).strip().equals("big")) {
            throw new TorchCheckpointException(file, "written on a big-endian machine (byteorder 'big'); not supported");
        }
        Map<String, StorageRef> storages = new HashMap<>();
        Object top = unpickle(file, bytesOf(file, zip, pkl, arena), 0, pid -> zipStorage(pid, storages)).value();

        Map<String, MemorySegment> storageBytes = new HashMap<>();
        return build(file, arena, stateDict(file, top), ref -> {
            ZipEntries.Entry e = entries.get(prefix + "data/" + ref.key());
            if (e == null) return null;
            return storageBytes.computeIfAbsent(ref.key(), k -> {
                try {
                    return bytesOf(file, zip, e, arena);
                } catch (TorchCheckpointException ex) {
                    throw new IllegalStateException(ex.getMessage(), ex);
                }
            });
        }, ref -> "data/" + ref.key());
    }

    private static Object zipStorage(Object pid, Map<String, StorageRef> storages) {
        List<?> t = asList(pid, "persistent id");
        if (t.size() < 5 || !"storage".equals(t.get(0))) throw new IllegalArgumentException("unknown persistent id " + pid);
        String key = String.valueOf(t.get(2));
        return storages.computeIfAbsent(key, k -> new StorageRef(k, storageType(t.get(1)),
                PickleGlobals.asLong(t.get(4), "storage size"), 0));
    }

    /** The entry's bytes: a slice of the mapping when stored, inflated into the arena when deflated. */
    private static MemorySegment bytesOf(Path file, MemorySegment zip, ZipEntries.Entry e, Arena arena)
            throws TorchCheckpointException {
        if (e.method() == 0) return zip.asSlice(e.dataOffset(), e.compressedSize()).asReadOnly();
        if (e.method() != 8) {
            throw new TorchCheckpointException(file, "zip entry '" + e.name() + "' uses compression method "
                    + e.method() + " (only stored and deflated are supported)");
        }
        MemorySegment out = arena.allocate(Math.max(1, e.size()));
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(zip.asSlice(e.dataOffset(), e.compressedSize()).asByteBuffer());
            int n = inflater.inflate(out.asByteBuffer());
            if (n != e.size()) throw new DataFormatException("inflated to " + n + " bytes, the zip says " + e.size());
        } catch (DataFormatException ex) {
            throw new TorchCheckpointException(file, "zip entry '" + e.name() + "' does not inflate: " + ex.getMessage());
        } finally {
            inflater.end();
        }
        return out.asSlice(0, e.size());
    }

    /** No central directory: read data.pkl from its local header to say which tensor's storage is missing. */
    private static TorchCheckpointException truncated(Path file, MemorySegment zip, String why) {
        String base = "truncated or damaged zip (" + why + "; the file has " + zip.byteSize() + " bytes)";
        try {
            ValueLayout.OfShort u16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            int nameLen = Short.toUnsignedInt(zip.get(u16, 26));
            String first = new String(zip.asSlice(30, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            if (!first.endsWith("data.pkl")) return new TorchCheckpointException(file, base);
            String prefix = first.substring(0, first.length() - "data.pkl".length());
            long start = 30 + nameLen + Short.toUnsignedInt(zip.get(u16, 28));
            Map<String, StorageRef> storages = new HashMap<>();
            Object top = RestrictedUnpickler.load(zip, start, pid -> zipStorage(pid, storages)).value();
            for (Map.Entry<String, PickleGlobals.TensorRef> t : tensors(stateDict(file, top)).entrySet()) {
                StorageRef ref = (StorageRef) t.getValue().storage();
                long at = ZipEntries.findLocalData(zip, prefix + "data/" + ref.key());
                long need = (extentElements(t.getValue()) + ref.viewOffset()) * ref.type().elementSize();
                if (at < 0 || at + need > zip.byteSize()) {
                    return new TorchCheckpointException(file, base + ": tensor '" + t.getKey() + "' (storage data/"
                            + ref.key() + ") is " + (at < 0 ? "missing" : "cut off") + "; download or copy the file again");
                }
            }
        } catch (RuntimeException | TorchCheckpointException e) {
            return new TorchCheckpointException(file, base + "; its pickle cannot be read either: " + e.getMessage());
        }
        return new TorchCheckpointException(file, base);
    }

    // ---------------------------------------------------------------- legacy format

    private static TorchCheckpointFile readLegacy(Path file, MemorySegment f, Arena arena) throws IOException {
        RestrictedUnpickler.Result magic = unpickle(file, f, 0, pid -> {
            throw new IllegalArgumentException("persistent id in the header");
        });
        if (!(magic.value() instanceof BigInteger m) || !m.equals(LEGACY_MAGIC)) {
            throw new TorchCheckpointException(file, "a pickle, but not a torch.save file (no legacy magic number); "
                    + "only tensors saved with torch.save can be read");
        }
        RestrictedUnpickler.Result protocol = unpickle(file, f, magic.end(), pid -> null);
        RestrictedUnpickler.Result sysInfo = unpickle(file, f, protocol.end(), pid -> null);
        if (sysInfo.value() instanceof Map<?, ?> info && Boolean.FALSE.equals(info.get("little_endian"))) {
            throw new TorchCheckpointException(file, "written on a big-endian machine; not supported");
        }
        Map<String, StorageRef> roots = new HashMap<>();
        RestrictedUnpickler.Result main = unpickle(file, f, sysInfo.end(), pid -> {
            List<?> t = asList(pid, "persistent id");
            if (t.size() < 5 || !"storage".equals(t.get(0))) throw new IllegalArgumentException("unknown persistent id " + pid);
            PickleGlobals.StorageType type = storageType(t.get(1));
            String key = String.valueOf(t.get(2));
            StorageRef root = roots.computeIfAbsent(key, k -> new StorageRef(k, type,
                    PickleGlobals.asLong(t.get(4), "storage size"), 0));
            Object view = t.size() > 5 ? t.get(5) : null;
            if (view == null) return root;
            List<?> v = asList(view, "view metadata");
            return new StorageRef(key, type, PickleGlobals.asLong(v.get(2), "view size"),
                    PickleGlobals.asLong(v.get(1), "view offset"));
        });
        RestrictedUnpickler.Result keys = unpickle(file, f, main.end(), pid -> null);
        // The storages follow in the order of the key list: an 8-byte element count, then the raw elements.
        Map<String, MemorySegment> storageBytes = new HashMap<>();
        long p = keys.end();
        for (Object k : asList(keys.value(), "storage key list")) {
            String key = String.valueOf(k);
            StorageRef ref = roots.get(key);
            if (ref == null) throw new TorchCheckpointException(file, "storage '" + key + "' is listed but never used");
            if (p + 8 > f.byteSize()) {
                throw new TorchCheckpointException(file, "storage '" + key + "' starts past the end of the file (byte "
                        + p + " of " + f.byteSize() + "; is it truncated?)");
            }
            long numel = f.get(I64, p);
            long bytes = numel * ref.type().elementSize();
            long available = Math.max(0, Math.min(bytes, f.byteSize() - p - 8));
            storageBytes.put(key, f.asSlice(p + 8, available).asReadOnly());
            if (numel < 0 || p + 8 + bytes > f.byteSize()) break; // the tensors that need it are reported below
            p += 8 + bytes;
        }
        return build(file, arena, stateDict(file, main.value()), ref -> storageBytes.get(ref.key()),
                ref -> "'" + ref.key() + "'");
    }

    // ---------------------------------------------------------------- shared

    private static RestrictedUnpickler.Result unpickle(Path file, MemorySegment in, long start,
                                                       Function<Object, Object> persistentLoad)
            throws TorchCheckpointException {
        try {
            return RestrictedUnpickler.load(in, start, persistentLoad);
        } catch (RestrictedUnpickler.PickleException | IllegalArgumentException | IllegalStateException e) {
            throw new TorchCheckpointException(file, e.getMessage());
        }
    }

    private static PickleGlobals.StorageType storageType(Object o) {
        if (o instanceof PickleGlobals.StorageType t) return t;
        throw new IllegalArgumentException("storage type is not a torch storage class: " + o);
    }

    private static List<?> asList(Object o, String what) {
        if (o instanceof List<?> l) return l;
        throw new IllegalArgumentException(what + " is not a tuple: " + o);
    }

    /** The dict that holds the weights: mmengine's {@code state_dict}, DeepSpeed's {@code module}, or the top. */
    private static Map<?, ?> stateDict(Path file, Object top) throws TorchCheckpointException {
        if (!(top instanceof Map<?, ?> m)) {
            throw new TorchCheckpointException(file, "holds a " + (top == null ? "None" : top.getClass().getSimpleName())
                    + ", not a dict of tensors");
        }
        for (String nested : List.of("state_dict", "module", "model")) {
            if (m.get(nested) instanceof Map<?, ?> inner && !tensors(inner).isEmpty()) return inner;
        }
        return m;
    }

    private static Map<String, PickleGlobals.TensorRef> tensors(Map<?, ?> dict) {
        Map<String, PickleGlobals.TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (e.getKey() instanceof String k && e.getValue() instanceof PickleGlobals.TensorRef t) out.put(k, t);
        }
        return out;
    }

    /** Elements from the storage offset to one past the last element the view touches (0 when empty). */
    private static long extentElements(PickleGlobals.TensorRef t) {
        long last = t.offset();
        for (int i = 0; i < t.shape().length; i++) {
            if (t.shape()[i] == 0) return 0;
            last = Math.addExact(last, Math.multiplyExact(t.shape()[i] - 1, t.stride()[i]));
        }
        return last + 1;
    }

    private static TorchCheckpointFile build(Path file, Arena arena, Map<?, ?> stateDict,
                                             Function<StorageRef, MemorySegment> storageBytes,
                                             Function<StorageRef, String> storageName) throws TorchCheckpointException {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        Map<String, MemorySegment> data = new HashMap<>();
        for (Map.Entry<String, PickleGlobals.TensorRef> e : tensors(stateDict).entrySet()) {
            String name = e.getKey();
            PickleGlobals.TensorRef t = e.getValue();
            if (!(t.storage() instanceof StorageRef ref)) {
                throw new TorchCheckpointException(file, "tensor '" + name + "' is not backed by a storage");
            }
            for (int i = 0; i < t.shape().length; i++) {
                if (t.shape()[i] < 0 || t.stride()[i] < 0) {
                    throw new TorchCheckpointException(file, "tensor '" + name + "' has size " + Arrays.toString(t.shape())
                            + " and stride " + Arrays.toString(t.stride()) + "; negative values are not allowed");
                }
            }
            if (t.offset() < 0) throw new TorchCheckpointException(file, "tensor '" + name + "' has a negative offset");
            int es = ref.type().elementSize();
            MemorySegment bytes;
            try {
                bytes = storageBytes.apply(ref);
            } catch (IllegalStateException ex) {
                throw new TorchCheckpointException(file, "tensor '" + name + "': " + ex.getMessage());
            }
            if (bytes == null) {
                throw new TorchCheckpointException(file, "tensor '" + name + "': its storage " + storageName.apply(ref)
                        + " is not in the file");
            }
            long extent;
            try {
                extent = extentElements(t);
            } catch (ArithmeticException ex) {
                throw new TorchCheckpointException(file, "tensor '" + name + "': size and stride overflow");
            }
            long from = ref.viewOffset() + t.offset();
            long end = ref.viewOffset() + extent;
            long have = bytes.byteSize() / es;
            if (extent > 0 && end > Math.min(have, ref.viewOffset() + ref.numel())) {
                throw new TorchCheckpointException(file, "tensor '" + name + "' (shape " + Arrays.toString(t.shape())
                        + ", stride " + Arrays.toString(t.stride()) + ", offset " + t.offset() + ") needs elements ["
                        + from + ", " + end + ") of storage " + storageName.apply(ref) + " (" + ref.type().className()
                        + " of " + ref.numel() + " elements), but the file holds only " + have + " elements ("
                        + bytes.byteSize() + " bytes) of it; the file is damaged");
            }
            infos.put(name, new TensorInfo(name, ref.type().dtype(), t.shape()));
            data.put(name, contiguous(bytes, from, t.shape(), t.stride(), es, arena));
        }
        return new TorchCheckpointFile(file, arena, infos, data);
    }

    /** The view's elements in row-major order: a slice when already so, otherwise a copy. */
    private static MemorySegment contiguous(MemorySegment storage, long offset, long[] shape, long[] stride, int es,
                                            Arena arena) {
        long numel = 1;
        for (long d : shape) numel *= d;
        if (numel == 0) return MemorySegment.ofArray(new byte[0]);
        boolean rowMajor = true;
        long expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expect) rowMajor = false;
            expect *= shape[i];
        }
        if (rowMajor) return storage.asSlice(offset * es, numel * es);
        MemorySegment out = arena.allocate(numel * es, 8);
        long[] index = new long[shape.length];
        for (long n = 0; n < numel; n++) {
            long src = offset;
            for (int i = 0; i < shape.length; i++) src += index[i] * stride[i];
            MemorySegment.copy(storage, src * es, out, n * es, es);
            for (int i = shape.length - 1; i >= 0; i--) {
                if (++index[i] < shape[i]) break;
                index[i] = 0;
            }
        }
        return out.asReadOnly();
    }

    // ---------------------------------------------------------------- TensorFile

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<String> names() {
        return sortedNames;
    }

    /** Tensor names in the order of the pickled state dict. */
    public List<String> namesInFileOrder() {
        return List.copyOf(infos.keySet());
    }

    @Override
    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo i = infos.get(name);
        if (i == null) {
            throw new IllegalArgumentException(path + ": no tensor named '" + name + "' (the file has " + infos.size()
                    + " tensors)");
        }
        return i;
    }

    @Override
    public MemorySegment data(String name) {
        info(name);
        return data.get(name);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override
    public String toString() {
        return "TorchCheckpointFile[" + path + ", " + infos.size() + " tensors]";
    }
}

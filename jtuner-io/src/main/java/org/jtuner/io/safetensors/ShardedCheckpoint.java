package org.jtuner.io.safetensors;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.TensorFile;
import org.jtuner.io.json.PythonJson;
import org.jtuner.io.torch.TorchCheckpointFile;

/**
 * The weights of a Hugging Face model directory as one name → tensor lookup: either a single
 * {@code model.safetensors} or shards listed by {@code model.safetensors.index.json} (its {@code weight_map}
 * names the shard of every tensor). As transformers does, a single file wins over an index when both are there.
 *
 * <p>All shards are opened (mapped and validated) up front; {@link #close()} unmaps them all.
 *
 * <p>{@link #write} saves tensors the way {@code save_pretrained} does: one file when they fit in the shard size,
 * otherwise {@code model-00001-of-0000N.safetensors} shards plus an index.
 */
public final class ShardedCheckpoint implements AutoCloseable {
    public static final String DEFAULT_PREFIX = "model";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path directory;
    private final List<TensorFile> files;
    private final Map<String, TensorFile> byName; // sorted by name

    private ShardedCheckpoint(Path directory, List<TensorFile> files, Map<String, TensorFile> byName) {
        this.directory = directory;
        this.files = List.copyOf(files);
        this.byName = Collections.unmodifiableMap(byName);
    }

    /**
     * Opens a model directory, or directly a weights file ({@code .safetensors}, or a PyTorch {@code .bin}, {@code .pth},
     * {@code .pt}, told apart by content) or an {@code .index.json} file. In a directory the first present of
     * {@code model.safetensors}, {@code model.safetensors.index.json}, {@code pytorch_model.bin},
     * {@code pytorch_model.bin.index.json} and DeepSpeed's {@code mp_rank_00_model_states.pt} is read, as
     * transformers prefers safetensors; pickles go through the restricted unpickler ({@link TorchCheckpointFile}).
     */
    public static ShardedCheckpoint open(Path path) throws IOException {
        return open(path, DEFAULT_PREFIX);
    }

    /**
     * {@link #open(Path)} with another file prefix: {@code "adapter_model"} finds a PEFT adapter's
     * {@code adapter_model.safetensors} or {@code adapter_model.bin}.
     */
    public static ShardedCheckpoint open(Path path, String prefix) throws IOException {
        if (Files.isDirectory(path)) {
            String torchPrefix = prefix.equals(DEFAULT_PREFIX) ? "pytorch_model" : prefix;
            List<String> candidates = List.of(prefix + ".safetensors", prefix + ".safetensors.index.json",
                    torchPrefix + ".bin", torchPrefix + ".bin.index.json", "mp_rank_00_model_states.pt");
            for (String c : candidates) {
                Path p = path.resolve(c);
                if (Files.isRegularFile(p)) return c.endsWith(".json") ? openIndex(p) : openSingle(p);
            }
            throw new IOException(path + ": no model weights: none of " + String.join(", ", candidates.subList(0, 4))
                    + " is there" + otherSafetensors(path));
        }
        if (path.getFileName().toString().endsWith(".json")) return openIndex(path);
        return openSingle(path);
    }

    /**
     * One weights file, safetensors or a PyTorch pickle, told apart by its first bytes. A safetensors header (8 bytes
     * of length, then its JSON) can begin with the byte 0x80 that also opens a pickle: its '{' at byte 8 decides.
     */
    public static TensorFile openFile(Path file) throws IOException {
        byte[] head = new byte[9];
        try (var in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 9);
            boolean safetensorsJson = n == 9 && head[8] == '{';
            if (n >= 4 && !safetensorsJson && TorchCheckpointFile.looksLikeTorch(java.lang.foreign.MemorySegment.ofArray(head))) {
                return TorchCheckpointFile.open(file);
            }
        }
        return SafetensorsFile.open(file);
    }

    private static String otherSafetensors(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            List<String> others = list.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".safetensors") || n.endsWith(".index.json") || n.endsWith(".bin")
                            || n.endsWith(".pth") || n.endsWith(".pt"))
                    .sorted().toList();
            return others.isEmpty() ? "" : " (it has " + String.join(", ", others) + "; open one of them by path)";
        }
    }

    private static ShardedCheckpoint openSingle(Path file) throws IOException {
        TensorFile f = openFile(file);
        Map<String, TensorFile> byName = new TreeMap<>();
        for (String name : f.names()) byName.put(name, f);
        return new ShardedCheckpoint(file.toAbsolutePath().getParent(), List.of(f), byName);
    }

    private static ShardedCheckpoint openIndex(Path indexFile) throws IOException {
        Map<String, String> weightMap = readWeightMap(indexFile);
        Path dir = indexFile.toAbsolutePath().getParent();

        Map<String, TensorFile> shards = new LinkedHashMap<>();
        try {
            Map<String, TensorFile> byName = new TreeMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                String shardName = e.getValue();
                TensorFile shard = shards.get(shardName);
                if (shard == null) {
                    Path shardPath = dir.resolve(shardName).normalize();
                    if (!shardPath.startsWith(dir)) {
                        throw new SafetensorsException(indexFile, "weight_map sends tensor '" + e.getKey()
                                + "' to '" + shardName + "', outside the checkpoint folder");
                    }
                    if (!Files.isRegularFile(shardPath)) {
                        throw new SafetensorsException(indexFile, "shard '" + shardName + "' (holding tensor '"
                                + e.getKey() + "') is missing");
                    }
                    shard = openFile(shardPath);
                    shards.put(shardName, shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new SafetensorsException(indexFile, "weight_map puts tensor '" + e.getKey() + "' in '"
                            + shardName + "', which does not hold it");
                }
                byName.put(e.getKey(), shard);
            }
            return new ShardedCheckpoint(dir, new ArrayList<>(shards.values()), byName);
        } catch (IOException | RuntimeException e) {
            shards.values().forEach(TensorFile::close);
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path indexFile) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(indexFile.toFile());
        } catch (JacksonException e) {
            throw new SafetensorsException(indexFile, "not valid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new SafetensorsException(indexFile, "has no 'weight_map' object");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(indexFile, "weight_map entry '" + e.getKey() + "' is not a file name: "
                        + e.getValue());
            }
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        return weightMap;
    }

    /** The folder the weights are in. */
    public Path directory() {
        return directory;
    }

    /** The files opened (one, or every shard). */
    public List<TensorFile> files() {
        return files;
    }

    /** All tensor names, sorted. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public TensorInfo info(String name) {
        return fileOf(name).info(name);
    }

    /** The tensor's bytes, a zero-copy slice of its shard's mapping (valid until {@link #close()}). */
    public MemorySegment data(String name) {
        return fileOf(name).data(name);
    }

    public float[] readFloats(String name) {
        TensorFile f = fileOf(name);
        return TensorReads.floats(f.path(), f.info(name), f.data(name));
    }

    public long[] readLongs(String name) {
        TensorFile f = fileOf(name);
        return TensorReads.longs(f.path(), f.info(name), f.data(name));
    }

    /** The file that holds {@code name}. */
    public TensorFile fileOf(String name) {
        TensorFile f = byName.get(name);
        if (f == null) {
            throw new IllegalArgumentException(directory + ": no tensor named '" + name + "' in the checkpoint ("
                    + byName.size() + " tensors in " + files.size() + " file(s))");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(TensorFile::close);
    }

    // ---- writing ----

    /** {@link #write(Path, String, Collection, Map, long)} with the prefix {@code "model"}. */
    public static List<Path> write(Path dir, Collection<TensorEntry> tensors, Map<String, String> metadata,
                                   long maxShardBytes) throws IOException {
        return write(dir, DEFAULT_PREFIX, tensors, metadata, maxShardBytes);
    }

    /**
     * Writes {@code tensors} into {@code dir} as {@code save_pretrained} does. Tensors are split into shards in the
     * order given, as huggingface_hub splits a state dict: a tensor larger than {@code maxShardBytes} gets a shard
     * of its own, otherwise a new shard starts when the next tensor would not fit. One shard is written as
     * {@code <prefix>.safetensors}; several as {@code <prefix>-00001-of-00003.safetensors} ... plus
     * {@code <prefix>.safetensors.index.json} with {@code metadata.total_parameters}, {@code metadata.total_size}
     * and the {@code weight_map}.
     *
     * <p>Each shard gets {@code metadata} plus {@code "format": "pt"} unless it names a format (transformers refuses
     * to load a file whose metadata lacks one). Shard files and the index or single file of an earlier save with
     * the same prefix that this save does not replace are deleted, so the folder never mixes two saves.
     *
     * @return the files written, shards first, then the index if any
     */
    public static List<Path> write(Path dir, String prefix, Collection<TensorEntry> tensors,
                                   Map<String, String> metadata, long maxShardBytes) throws IOException {
        if (maxShardBytes <= 0) throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
        SafetensorsWriter.inFileOrder(tensors); // rejects duplicate names before anything is written
        Map<String, String> shardMetadata = new TreeMap<>(metadata == null ? Map.of() : metadata);
        shardMetadata.putIfAbsent("format", "pt");

        List<List<TensorEntry>> shards = plan(tensors, maxShardBytes);
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        if (shards.size() <= 1) {
            Path file = dir.resolve(prefix + ".safetensors");
            SafetensorsWriter.write(file, shards.isEmpty() ? List.of() : shards.getFirst(), shardMetadata);
            written.add(file);
        } else {
            Map<String, String> weightMap = new TreeMap<>();
            long totalSize = 0, totalParameters = 0;
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("%s-%05d-of-%05d.safetensors", prefix, i + 1, shards.size());
                Path file = dir.resolve(name);
                SafetensorsWriter.write(file, shards.get(i), shardMetadata);
                written.add(file);
                for (TensorEntry e : shards.get(i)) {
                    weightMap.put(e.name(), name);
                    totalSize += e.byteSize();
                    totalParameters += e.info().numel();
                }
            }
            ObjectNode index = JsonNodeFactory.instance.objectNode();
            index.putObject("metadata").put("total_parameters", totalParameters).put("total_size", totalSize);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            Path indexFile = dir.resolve(prefix + ".safetensors.index.json");
            PythonJson.writeFile(indexFile, index, true);
            written.add(indexFile);
        }
        removeStale(dir, prefix, written);
        return written;
    }

    /** The split huggingface_hub's {@code split_state_dict_into_shards_factory} makes. */
    static List<List<TensorEntry>> plan(Collection<TensorEntry> tensors, long maxShardBytes) {
        List<List<TensorEntry>> shards = new ArrayList<>();
        List<TensorEntry> current = new ArrayList<>();
        long currentSize = 0;
        for (TensorEntry e : tensors) {
            long size = e.byteSize();
            if (size > maxShardBytes) {
                shards.add(List.of(e));
                continue;
            }
            if (currentSize + size > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                currentSize = 0;
            }
            current.add(e);
            currentSize += size;
        }
        if (!current.isEmpty()) shards.add(current);
        return shards;
    }

    private static void removeStale(Path dir, String prefix, List<Path> written) throws IOException {
        Pattern shard = Pattern.compile(Pattern.quote(prefix) + "-\\d{5}-of-\\d{5}\\.safetensors");
        String single = prefix + ".safetensors";
        String index = prefix + ".safetensors.index.json";
        List<String> keep = written.stream().map(p -> p.getFileName().toString()).toList();
        try (Stream<Path> list = Files.list(dir)) {
            for (Path p : list.toList()) {
                String name = p.getFileName().toString();
                boolean ours = shard.matcher(name).matches() || name.equals(single) || name.equals(index);
                if (ours && !keep.contains(name) && Files.isRegularFile(p)) Files.delete(p);
            }
        }
    }

    /**
     * Parses a size as huggingface_hub does ({@code "5GB"} = 5·10⁹ bytes; KB, MB, GB, TB are decimal), also
     * accepting binary units (KiB, MiB, GiB, TiB) and a plain number of bytes.
     */
    public static long parseSize(String size) {
        Matcher m = SIZE.matcher(size.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size: '" + size + "' (use e.g. 5GB, 500MB, 2GiB or a number of bytes)");
        }
        String unit = m.group(2) == null ? "" : m.group(2).toUpperCase(Locale.ROOT);
        long multiplier = switch (unit) {
            case "" -> 1L;
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            default -> 1L << 40; // TIB
        };
        // Like huggingface_hub, a fractional size is allowed and truncated to whole bytes.
        return new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(multiplier)).longValue();
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d*)?)\\s*([KMGT]i?B)?", Pattern.CASE_INSENSITIVE);
}

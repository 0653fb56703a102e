package org.jtuner.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedCheckpointTest {
    @TempDir
    Path dir;

    /** Five F32 tensors of 40, 40, 24, 64 and 8 bytes, in that (state dict) order. */
    private static List<TensorEntry> tensors() {
        List<TensorEntry> t = new ArrayList<>();
        t.add(TensorEntry.ofFloats("model.embed_tokens.weight", new long[] {2, 5}, seq(10, 0)));
        t.add(TensorEntry.ofFloats("model.layers.0.q.weight", new long[] {10}, seq(10, 100)));
        t.add(TensorEntry.ofFloats("model.layers.0.k.weight", new long[] {6}, seq(6, 200)));
        t.add(TensorEntry.ofFloats("model.layers.1.q.weight", new long[] {4, 4}, seq(16, 300)));
        t.add(TensorEntry.ofFloats("lm_head.weight", new long[] {2}, seq(2, 400)));
        return t;
    }

    private static float[] seq(int n, int start) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = start + i;
        return v;
    }

    private List<String> filesIn(Path d) throws IOException {
        try (Stream<Path> list = Files.list(d)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A safetensors header whose length's first byte is 0x80 (a pickle's first byte) is still read as safetensors. */
    @Test
    void aHeaderLengthStartingWith0x80IsNotTakenForAPickle(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("w.safetensors");
        for (int len = 1; ; len++) {
            String name = "t".repeat(len);
            SafetensorsWriter.write(file, List.of(TensorEntry.ofFloats(name, new long[] {2}, new float[] {1.5f, -2f})), Map.of());
            if ((Files.readAllBytes(file)[0] & 0xFF) != 0x80) continue;
            try (org.jtuner.io.TensorFile f = ShardedCheckpoint.openFile(file)) {
                assertThat(f.names()).containsExactly(name);
            }
            try (ShardedCheckpoint c = ShardedCheckpoint.open(file)) {
                assertThat(c.readFloats(name)).containsExactly(1.5f, -2f);
            }
            return;
        }
    }

    @Test
    void shardedWriteThenReadRoundTrips() throws IOException {
        List<Path> written = ShardedCheckpoint.write(dir, tensors(), Map.of(), 64);
        // 40 | 40+24 | 64 (exactly the limit) | 8  -> four shards, in state-dict order.
        assertThat(written).extracting(p -> p.getFileName().toString()).containsExactly(
                "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
                "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors",
                "model.safetensors.index.json");

        JsonNode index = new ObjectMapper().readTree(dir.resolve("model.safetensors.index.json").toFile());
        assertThat(index.at("/metadata/total_size").asLong()).isEqualTo(176);
        assertThat(index.at("/metadata/total_parameters").asLong()).isEqualTo(44);
        assertThat(index.at("/weight_map/model.layers.0.k.weight").asText()).isEqualTo("model-00002-of-00004.safetensors");
        List<String> mapped = new ArrayList<>();
        index.get("weight_map").fieldNames().forEachRemaining(mapped::add);
        assertThat(mapped).isSorted();
        String text = Files.readString(dir.resolve("model.safetensors.index.json"));
        assertThat(text).startsWith("{\n  \"metadata\": {\n    \"total_parameters\": 44,\n    \"total_size\": 176\n  },")
                .endsWith("}\n");

        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertThat(ckpt.files()).hasSize(4);
            assertThat(ckpt.names()).containsExactly("lm_head.weight", "model.embed_tokens.weight",
                    "model.layers.0.k.weight", "model.layers.0.q.weight", "model.layers.1.q.weight");
            for (TensorEntry e : tensors()) {
                assertThat(ckpt.info(e.name())).isEqualTo(e.info());
            }
            assertThat(ckpt.readFloats("model.layers.1.q.weight")).containsExactly(seq(16, 300));
            assertThat(ckpt.readFloats("lm_head.weight")).containsExactly(400, 401);
            assertThat(ckpt.fileOf("lm_head.weight").path().getFileName().toString())
                    .isEqualTo("model-00004-of-00004.safetensors");
            assertThat(ckpt.fileOf("lm_head.weight").metadata()).containsEntry("format", "pt");
            MemorySegment data = ckpt.data("model.embed_tokens.weight");
            assertThat(data.byteSize()).isEqualTo(40);
        }
    }

    @Test
    void aCheckpointThatFitsIsOneFileWithoutIndexAndStaleShardsAreRemoved() throws IOException {
        ShardedCheckpoint.write(dir, tensors(), Map.of(), 64);
        Files.writeString(dir.resolve("config.json"), "{}");
        List<Path> written = ShardedCheckpoint.write(dir, tensors(), Map.of("format", "pt", "by", "jtuner"), 1L << 30);
        assertThat(written).extracting(p -> p.getFileName().toString()).containsExactly("model.safetensors");
        assertThat(filesIn(dir)).containsExactly("config.json", "model.safetensors");
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertThat(ckpt.files()).hasSize(1);
            assertThat(ckpt.names()).hasSize(5);
            assertThat(ckpt.files().getFirst().metadata()).containsEntry("by", "jtuner");
        }
        // And back to shards: the single file goes.
        ShardedCheckpoint.write(dir, tensors(), null, 100);
        assertThat(filesIn(dir)).containsExactly("config.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors", "model.safetensors.index.json");
    }

    @Test
    void shardPlanIsHuggingFaceHubs() {
        // huggingface_hub's documented example: limit 10, sizes [6, 6, 2, 6, 2, 2] -> [6], [6+2], [6+2+2].
        List<TensorEntry> t = new ArrayList<>();
        int[] sizes = {6, 6, 2, 6, 2, 2};
        for (int i = 0; i < sizes.length; i++) {
            t.add(TensorEntry.of("t" + i, "U8", new long[] {sizes[i]}, MemorySegment.ofArray(new byte[sizes[i]])));
        }
        assertThat(ShardedCheckpoint.plan(t, 10)).extracting(s -> s.stream().map(TensorEntry::name).toList())
                .containsExactly(List.of("t0"), List.of("t1", "t2"), List.of("t3", "t4", "t5"));
        // A tensor over the limit gets a shard of its own, written before the shard being filled.
        List<TensorEntry> big = List.of(t.get(2), TensorEntry.of("big", "U8", new long[] {20}, MemorySegment.ofArray(new byte[20])), t.get(4));
        assertThat(ShardedCheckpoint.plan(big, 10)).extracting(s -> s.stream().map(TensorEntry::name).toList())
                .containsExactly(List.of("big"), List.of("t2", "t4"));
    }

    @Test
    void brokenIndexesAreReported() throws IOException {
        ShardedCheckpoint.write(dir, tensors(), Map.of(), 64);
        Path index = dir.resolve("model.safetensors.index.json");
        String good = Files.readString(index);

        Files.delete(dir.resolve("model-00003-of-00004.safetensors"));
        assertThatThrownBy(() -> ShardedCheckpoint.open(dir)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(index.toString())
                .hasMessageContaining("shard 'model-00003-of-00004.safetensors' (holding tensor 'model.layers.1.q.weight') is missing");

        ShardedCheckpoint.write(dir, tensors(), Map.of(), 64);
        Files.writeString(index, good.replace("\"lm_head.weight\": \"model-00004", "\"lm_head.weight\": \"model-00001"));
        assertThatThrownBy(() -> ShardedCheckpoint.open(dir)).isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("weight_map puts tensor 'lm_head.weight' in 'model-00001-of-00004.safetensors', which does not hold it");

        Files.writeString(index, "{\"metadata\": {}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(dir)).hasMessageContaining("has no 'weight_map' object");
        Files.writeString(index, "{\"weight_map\": {\"x\": \"../outside.safetensors\"}}");
        assertThatThrownBy(() -> ShardedCheckpoint.open(dir)).hasMessageContaining("outside the checkpoint folder");
        Files.writeString(index, "{\"weight_map\": ");
        assertThatThrownBy(() -> ShardedCheckpoint.open(dir)).hasMessageContaining("not valid JSON");
    }

    /**
     * A small shard whose header length begins with a pickle's first byte (0x80, e.g. a 128- or 384-byte header) is
     * still read as safetensors: it used to go to the unpickler ("unknown pickle opcode 0x0").
     */
    @Test
    void smallShardsWhoseHeaderLengthLooksLikeAPickleAreReadAsSafetensors() throws IOException {
        List<TensorEntry> t = new ArrayList<>();
        for (int k = 0; k < 48; k++) {
            t.add(TensorEntry.ofFloats("model.layers." + k + ".w" + "x".repeat(k), new long[] {2}, seq(2, 10 * k)));
        }
        List<Path> written = ShardedCheckpoint.write(dir, t, Map.of(), 8); // one tensor per shard
        assertThat(written).hasSize(49);
        long pickleLike = written.stream().filter(p -> p.toString().endsWith(".safetensors")).filter(p -> {
            try {
                return Files.readAllBytes(p)[0] == (byte) 0x80;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }).count();
        assertThat(pickleLike).as("shards whose first byte is the pickle protocol opcode 0x80").isPositive();
        try (ShardedCheckpoint ckpt = ShardedCheckpoint.open(dir)) {
            assertThat(ckpt.names()).hasSize(48);
            for (int k = 0; k < 48; k++) {
                assertThat(ckpt.readFloats("model.layers." + k + ".w" + "x".repeat(k))).containsExactly(seq(2, 10 * k));
            }
        }
    }

    @Test
    void aFolderWithoutWeightsSaysWhatItHas() throws IOException {
        Files.writeString(dir.resolve("adapter_model.safetensors"), "");
        assertThatThrownBy(() -> ShardedCheckpoint.open(dir))
                .hasMessageContaining("none of model.safetensors, model.safetensors.index.json, pytorch_model.bin")
                .hasMessageContaining("it has adapter_model.safetensors");
    }

    @Test
    void opensTheFixtureCheckpointsAndSingleFiles() throws IOException {
        try (ShardedCheckpoint llava = ShardedCheckpoint.open(Fixtures.path("tiny-llava"))) {
            assertThat(llava.names()).contains("multi_modal_projector.linear_1.weight", "language_model.lm_head.weight");
            assertThat(llava.info("multi_modal_projector.linear_1.weight").shape()).containsExactly(64, 48);
        }
        try (ShardedCheckpoint adapter = ShardedCheckpoint.open(Fixtures.path("tiny-llama-lora", "adapter_model.safetensors"))) {
            assertThat(adapter.names()).hasSize(12).allMatch(n -> n.contains("lora_"));
        }
    }

    @Test
    void sizesParseAsHuggingFaceHubParsesThem() {
        assertThat(ShardedCheckpoint.parseSize("5GB")).isEqualTo(5_000_000_000L);
        assertThat(ShardedCheckpoint.parseSize("500MB")).isEqualTo(500_000_000L);
        assertThat(ShardedCheckpoint.parseSize("1.5 kb")).isEqualTo(1500L);
        assertThat(ShardedCheckpoint.parseSize("2GiB")).isEqualTo(2L << 30);
        assertThat(ShardedCheckpoint.parseSize("1234")).isEqualTo(1234L);
        assertThatThrownBy(() -> ShardedCheckpoint.parseSize("big")).hasMessageContaining("not a size: 'big'");
    }
}

package org.jtuner.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads every safetensors file that the Python reference stack wrote. */
class SafetensorsFixturesTest {
    @TempDir
    Path dir;

    private static List<Path> allFixtureFiles() throws IOException {
        try (Stream<Path> walk = Files.walk(Fixtures.root())) {
            return walk.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    @Test
    void everyFixtureFileOpensAndHoldsSaneValues() throws IOException {
        List<Path> files = allFixtureFiles();
        assertThat(files).hasSizeGreaterThanOrEqualTo(12);
        for (Path file : files) {
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                assertThat(st.size()).as(file.toString()).isPositive();
                long total = 0;
                for (String name : st.names()) {
                    TensorInfo info = st.info(name);
                    assertThat(info.dtype()).as(name).isIn("F32", "F64", "I64");
                    assertThat(st.data(name).byteSize()).as(name).isEqualTo(info.byteSize());
                    total += info.byteSize();
                    if (info.dtype().startsWith("F")) {
                        for (double v : st.readDoubles(name)) assertThat(Double.isFinite(v)).as(name).isTrue();
                    }
                }
                assertThat(total).isEqualTo(st.dataSize());
            }
        }
    }

    @Test
    void ourWriterReproducesEveryFixtureFileByteForByte() throws IOException {
        // The fixtures were written by safetensors.torch.save_file: same tensors in, same bytes out proves that the
        // writer's ordering, offsets, JSON and padding match the reference serializer.
        for (Path file : allFixtureFiles()) {
            try (SafetensorsFile st = SafetensorsFile.open(file)) {
                List<TensorEntry> entries = new ArrayList<>();
                for (String name : st.names()) {
                    TensorInfo info = st.info(name);
                    entries.add(TensorEntry.of(name, info.dtype(), info.shape(), st.data(name)));
                }
                Path copy = dir.resolve("copy.safetensors");
                SafetensorsWriter.write(copy, entries, st.metadata());
                assertThat(Files.readAllBytes(copy)).as(file.toString()).isEqualTo(Files.readAllBytes(file));
            }
        }
    }

    @Test
    void tinyLlamaReferenceBatch() throws IOException {
        try (SafetensorsFile ref = SafetensorsFile.open(Fixtures.path("tiny-llama", "reference.safetensors"))) {
            assertThat(ref.info("input_ids")).isEqualTo(new TensorInfo("input_ids", "I64", new long[] {2, 13}));
            long[] ids = ref.readLongs("input_ids");
            assertThat(ids).hasSize(26);
            for (long id : ids) assertThat(id).isBetween(0L, 383L);
            assertThat(ids).startsWith(75, 283, 262, 381);

            // Row 1 is right-padded from position 9.
            long[] mask = ref.readLongs("attention_mask");
            for (int t = 0; t < 13; t++) {
                assertThat(mask[t]).isEqualTo(1);
                assertThat(mask[13 + t]).isEqualTo(t < 9 ? 1 : 0);
            }
            long[] labels = ref.readLongs("labels");
            assertThat(labels).contains(-100L);
            for (int i = 0; i < 26; i++) if (labels[i] != -100) assertThat(labels[i]).isEqualTo(ids[i]);

            assertThat(ref.info("logits").shape()).containsExactly(2, 13, 384);
            assertThat(ref.info("loss").numel()).isEqualTo(1);
            assertThat(ref.readFloats("loss")[0]).isBetween(5.9f, 6.0f);
            assertThat(ref.names()).contains("grad.lm_head.weight", "grad.model.layers.0.self_attn.q_proj.weight");
        }
    }

    @Test
    void tinyLlamaCheckpoint() throws IOException {
        try (SafetensorsFile model = SafetensorsFile.open(Fixtures.path("tiny-llama", "model.safetensors"))) {
            assertThat(model.metadata()).containsEntry("format", "pt");
            assertThat(model.size()).isEqualTo(3 + 2 * 9); // embed, norm, lm_head + 9 per layer
            assertThat(model.info("model.layers.0.self_attn.k_proj.weight").shape()).containsExactly(32, 64); // 2 kv heads
            assertThat(model.info("model.layers.1.mlp.up_proj.weight").shape()).containsExactly(160, 64);
            float[] norm = model.readFloats("model.norm.weight");
            assertThat(norm[0]).isEqualTo(0.88087475f); // perturbed, not all ones
            assertThat(model.namesInFileOrder().getFirst()).isEqualTo("lm_head.weight");
        }
    }

    @Test
    void tinyLlavaReferenceAndTrainingRun() throws IOException {
        try (SafetensorsFile ref = SafetensorsFile.open(Fixtures.path("tiny-llava", "reference.safetensors"))) {
            long[] ids = ref.readLongs("input_ids");
            assertThat(ref.info("input_ids").shape()).containsExactly(2, 27);
            long imageTokensRow0 = 0, imageTokensRow1 = 0;
            for (int t = 0; t < 27; t++) {
                if (ids[t] == 319) imageTokensRow0++;
                if (ids[27 + t] == 319) imageTokensRow1++;
            }
            assertThat(imageTokensRow0).isEqualTo(16);
            assertThat(imageTokensRow1).isZero();
            assertThat(ref.info("pixel_values").shape()).containsExactly(1, 3, 32, 32);
            assertThat(ref.info("image_features").shape()).containsExactly(16, 64);
        }
        try (SafetensorsFile run = SafetensorsFile.open(Fixtures.path("tiny-llava", "train_adamw_6_steps.safetensors"))) {
            assertThat(run.info("losses")).isEqualTo(new TensorInfo("losses", "F64", new long[] {6}));
            double[] losses = run.readDoubles("losses");
            assertThat(losses[0]).isEqualTo(5.80688381, org.assertj.core.data.Offset.offset(1e-8));
            for (int i = 1; i < 6; i++) assertThat(losses[i]).isLessThan(losses[i - 1]);
        }
    }

    @Test
    void tinyClipVisionReference() throws IOException {
        try (SafetensorsFile ref = SafetensorsFile.open(Fixtures.path("tiny-clip-vision", "reference.safetensors"));
             SafetensorsFile model = SafetensorsFile.open(Fixtures.path("tiny-clip-vision", "model.safetensors"))) {
            assertThat(ref.info("pixel_values").shape()).containsExactly(2, 3, 32, 32);
            assertThat(ref.info("hidden_states.0").shape()).containsExactly(2, 17, 48);
            assertThat(model.info("embeddings.position_embedding.weight").shape()).containsExactly(17, 48);
            assertThat(model.info("embeddings.patch_embedding.weight").shape()).containsExactly(48, 3, 8, 8);
        }
    }
}

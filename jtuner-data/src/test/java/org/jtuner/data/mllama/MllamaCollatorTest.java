package org.jtuner.data.mllama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jtuner.data.EncodedSample;
import org.jtuner.data.SourceRef;
import org.jtuner.testing.Fixtures;
import org.jtuner.vision.Images;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.vision.mllama.MllamaProcessorConfig;
import org.jtuner.vision.mllama.TiledImage;
import org.junit.jupiter.api.Test;

/**
 * MllamaCollator against tiny-mllama's reference.safetensors (transformers 4.47.1): row 0 is bos, {@code <|image|>}
 * and text with its 100×45 picture {@code row0_image0.png} (3 of 4 tiles), row 1 text only, right-padded, its image
 * slot padded as the image processor pads one. The collated ids, labels, attention mask, pixel_values,
 * aspect_ratio_ids/mask and cross_attention_mask must equal the fixture's exactly; and row 1 alone (the fixture's
 * {@code text_only.*}) collates to a batch without pixels.
 */
class MllamaCollatorTest {
    private static final int PAD = 312, IMAGE = 320;

    @Test
    void mixedBatchEqualsTheFixtureBatch() throws IOException {
        Ref ref = Ref.open(Fixtures.path("tiny-mllama", "reference.safetensors"));
        long[] ids = ref.longs("input_ids"), labels = ref.longs("labels"), mask = ref.longs("attention_mask");
        int seq = ref.shape("input_ids")[1];
        EncodedSample row0 = sample(ids, labels, mask, 0, seq, new int[] {1});
        EncodedSample row1 = sample(ids, labels, mask, 1, seq, new int[0]);
        assertThat(row1.length()).isEqualTo(10);

        MllamaBatch batch = collator().collate(List.of(new MllamaCollator.Row(row0, List.of(row0Image())),
                new MllamaCollator.Row(row1, List.of())));

        assertThat(batch.seqLen()).isEqualTo(seq);
        assertThat(longs(batch.inputIds())).containsExactly(ids);
        assertThat(longs(batch.labels())).containsExactly(labels);
        assertThat(longs(batch.attentionMask())).containsExactly(mask);
        assertThat(batch.hasImages()).isTrue();
        assertThat(batch.images().maxImages()).isEqualTo(1);
        assertThat(ref.shape("pixel_values")).containsExactly(2, 1, 4, 3, 32, 32);
        float[] expected = ref.floats("pixel_values");
        assertThat(batch.images().pixelValues()).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(batch.images().pixelValues()[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError("pixel_values[" + i + "]: " + batch.images().pixelValues()[i] + " vs " + expected[i]);
            }
        }
        assertThat(batch.images().aspectRatioIds()).containsExactly(ref.longs("aspect_ratio_ids"));
        assertThat(batch.images().aspectRatioMask()).containsExactly(ref.longs("aspect_ratio_mask"));
        assertThat(ref.shape("cross_attention_mask")).containsExactly(2, seq, 1, 4);
        assertThat(batch.crossAttentionMask()).containsExactly(ref.longs("cross_attention_mask"));

        try (MllamaBatch.Tensors t = batch.toTensors()) {
            assertThat(t.pixelValues().shape()).containsExactly(2, 1, 4, 3, 32, 32);
            assertThat(t.crossAttentionMask().shape()).containsExactly(2, seq, 1, 4);
            assertThat(t.aspectRatioMask().shape()).containsExactly(2, 1, 4);
        }
    }

    @Test
    void textOnlyBatchHasNoPixels() throws IOException {
        Ref ref = Ref.open(Fixtures.path("tiny-mllama", "reference.safetensors"));
        long[] ids = ref.longs("input_ids"), labels = ref.longs("labels"), mask = ref.longs("attention_mask");
        int seq = ref.shape("input_ids")[1];
        MllamaBatch batch = collator().collate(List.of(new MllamaCollator.Row(sample(ids, labels, mask, 1, seq, new int[0]),
                List.of())));
        assertThat(batch.hasImages()).isFalse();
        assertThat(batch.crossAttentionMask()).isNull();
        // text_only.* ran the fixture's row 1 unpadded.
        long[] textOnly = ref.longs("text_only.input_ids");
        long[] trimmed = Arrays.copyOf(textOnly, batch.seqLen());
        assertThat(longs(batch.inputIds())).containsExactly(trimmed);
        for (int i = batch.seqLen(); i < textOnly.length; i++) assertThat(textOnly[i]).isEqualTo(PAD);
        try (MllamaBatch.Tensors t = batch.toTensors()) {
            assertThat(t.pixelValues()).isNull();
        }
    }

    @Test
    void anImageWithoutItsTokenIsNamed() throws IOException {
        EncodedSample s = new EncodedSample(new SourceRef(Path.of("data.json"), 7, "a1"), new int[] {310, 5, 6},
                new int[] {-100, 5, 6}, new int[0], List.of(), false);
        assertThatThrownBy(() -> collator().collate(List.of(new MllamaCollator.Row(s, List.of(row0Image())))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("data.json:7").hasMessageContaining("0 <|image|> token(s)");
    }

    private static MllamaCollator collator() {
        return new MllamaCollator(PAD, IMAGE, 4, 32);
    }

    private static TiledImage row0Image() throws IOException {
        JsonNode kwargs = new ObjectMapper().readTree(Fixtures.path("tiny-mllama", "processor", "processor.json").toFile())
                .get("kwargs");
        MllamaImageProcessor processor = new MllamaImageProcessor(MllamaProcessorConfig.fromJson(kwargs));
        TiledImage image = processor.preprocess(Images.read(Fixtures.path("tiny-mllama", "row0_image0.png")));
        assertThat(image.numTiles()).isEqualTo(3);
        return image;
    }

    /** Row b of the fixture without its padding, as an encoder would produce it. */
    private static EncodedSample sample(long[] ids, long[] labels, long[] mask, int b, int seq, int[] imagePositions) {
        int len = 0;
        while (len < seq && mask[b * seq + len] == 1) len++;
        int[] i = new int[len], l = new int[len];
        for (int t = 0; t < len; t++) {
            i[t] = Math.toIntExact(ids[b * seq + t]);
            l[t] = Math.toIntExact(labels[b * seq + t]);
        }
        List<Path> images = imagePositions.length == 0 ? List.of() : List.of(Path.of("row0_image0.png"));
        return new EncodedSample(new SourceRef(Path.of("fixture"), b + 1, null), i, l, imagePositions, images, false);
    }

    private static long[] longs(int[] v) {
        return Arrays.stream(v).asLongStream().toArray();
    }

    /** Just enough safetensors for F32 and I64 reference tensors (the real reader is jtuner-io's, not a dependency here). */
    record Ref(JsonNode header, ByteBuffer data) {
        static Ref open(Path file) throws IOException {
            ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            int n = Math.toIntExact(all.getLong(0));
            JsonNode header = new ObjectMapper().readTree(new String(all.array(), 8, n, java.nio.charset.StandardCharsets.UTF_8));
            return new Ref(header, all.slice(8 + n, all.capacity() - 8 - n).order(ByteOrder.LITTLE_ENDIAN));
        }

        int[] shape(String name) {
            JsonNode s = header.get(name).get("shape");
            int[] out = new int[s.size()];
            for (int i = 0; i < out.length; i++) out[i] = s.get(i).asInt();
            return out;
        }

        private ByteBuffer bytes(String name, String dtype) {
            JsonNode e = header.get(name);
            if (!dtype.equals(e.get("dtype").asText())) throw new IllegalArgumentException(name + " is " + e.get("dtype"));
            int begin = e.get("data_offsets").get(0).asInt(), end = e.get("data_offsets").get(1).asInt();
            return data.slice(begin, end - begin).order(ByteOrder.LITTLE_ENDIAN);
        }

        float[] floats(String name) {
            ByteBuffer b = bytes(name, "F32");
            float[] out = new float[b.capacity() / 4];
            b.asFloatBuffer().get(out);
            return out;
        }

        long[] longs(String name) {
            ByteBuffer b = bytes(name, "I64");
            long[] out = new long[b.capacity() / 8];
            b.asLongBuffer().get(out);
            return out;
        }
    }
}

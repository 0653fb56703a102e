package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jtuner.data.TestData.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.jtuner.testing.Fixtures;
import org.jtuner.vision.ClipImageProcessor;

/**
 * The loader's pixels against the Pillow-path references made by transformers' CLIPImageProcessor and LLaVA's
 * expand2square ({@code ../shared/fixtures/clip-image-processor}): a row's image goes through the data loader's
 * workers with and without {@code pad_image_to_square} and comes out bit-identical.
 */
class ImagePipelineFixtureTest {
    @TempDir
    Path dir;

    @Test
    void batchPixelsMatchTheReferenceWithAndWithoutPadToSquare() throws Exception {
        Path fixtures = Fixtures.path("clip-image-processor");
        Path data = jsonl(dir.resolve("d.jsonl"),
                row("wide", List.of("wide_500x375.png"), "<image>\nDescribe.", "Wide."),
                row("tall", List.of("tall_200x300.png"), "<image>\nDescribe.", "Tall."));
        for (boolean pad : new boolean[] {false, true}) {
            DataConfig config = config(List.of(data), fixtures, "vicuna").withBatching(2, 2);
            ClipImageLoader loader = new ClipImageLoader(ClipImageProcessor.defaults(), pad);
            LlavaData llava = LlavaData.open(config, tokenizer(), loader, s -> {});
            Batch b;
            try (DataLoader dl = new DataLoader(llava.dataset(), new org.jtuner.data.sampler.ShuffleSampler(2, 1, 0, 0, false, true), 2,
                    loader, new Collator(), 2, OnBadSample.FAIL, s -> {})) {
                b = dl.epoch(0).next();
            }
            assertThat(b.pixels().shape()).containsExactly(2, 3, 336, 336);
            String suffix = pad ? ".expand2square.pixel_values" : ".pixel_values";
            float[] wide = reference(fixtures.resolve("reference.safetensors"), "pil.wide_500x375" + suffix);
            float[] tall = reference(fixtures.resolve("reference.safetensors"), "pil.tall_200x300" + suffix);
            int n = 3 * 336 * 336;
            assertThat(java.util.Arrays.copyOfRange(b.pixels().data(), 0, n)).as("wide, pad=" + pad).isEqualTo(wide);
            assertThat(java.util.Arrays.copyOfRange(b.pixels().data(), n, 2 * n)).as("tall, pad=" + pad).isEqualTo(tall);
        }
    }

    /** One F32 tensor of a safetensors file. */
    static float[] reference(Path file, String name) throws Exception {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer buf = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) buf.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, headerLength, java.nio.charset.StandardCharsets.UTF_8));
        JsonNode entry = header.get(name);
        assertThat(entry).as(name).isNotNull();
        assertThat(entry.get("dtype").asText()).isEqualTo("F32");
        int begin = 8 + headerLength + entry.get("data_offsets").get(0).asInt();
        int end = 8 + headerLength + entry.get("data_offsets").get(1).asInt();
        float[] out = new float[(end - begin) / 4];
        for (int i = 0; i < out.length; i++) out[i] = buf.getFloat(begin + 4 * i);
        return out;
    }
}

package org.jtuner.vision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.testing.Fixtures;
import org.jtuner.vision.mllama.CrossAttentionMask;
import org.jtuner.vision.mllama.MllamaImageBatch;
import org.jtuner.vision.mllama.MllamaImageProcessor;
import org.jtuner.vision.mllama.MllamaProcessorConfig;
import org.jtuner.vision.mllama.TiledCanvas;
import org.jtuner.vision.mllama.TiledImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * MllamaImageProcessor against {@code tiny-mllama/processor}, which transformers 4.47.1 computed on its Pillow path
 * (bilinear, CLIP mean/std, tile 32, at most 4 tiles): every pixel bit for bit, the canvas and resized size that
 * {@code processor.json} records, aspect-ratio ids and masks, tile counts; and the cross-attention masks that
 * MllamaProcessor's functions built from ids ({@code xattn*}).
 */
class MllamaImageProcessorReferenceTest {
    private static final String[] DIR = {"tiny-mllama", "processor"};

    @ParameterizedTest
    @ValueSource(strings = {"wide_150x60", "tall_25x90", "small_20x17", "square_64x64"})
    void eachImageEqualsTheReference(String name) throws IOException {
        MllamaImageProcessor processor = processorFromFixture();
        ReferenceTensors ref = reference();
        JsonNode meta = processorJson().get("images").get(name);

        TiledImage out = processor.preprocess(Images.read(Fixtures.path(DIR[0], DIR[1], meta.get("file").asText())));

        assertThat(new int[] {out.arrangement().high(), out.arrangement().wide()})
                .containsExactly(meta.get("tiles_hw").get(0).asInt(), meta.get("tiles_hw").get(1).asInt());
        assertThat(new int[] {out.resizedHeight(), out.resizedWidth()})
                .containsExactly(meta.get("resized_hw").get(0).asInt(), meta.get("resized_hw").get(1).asInt());
        assertBitExact(out.pixels(), ref.floats(name + ".pixel_values"), name);
        assertThat(ref.shape(name + ".pixel_values")).containsExactly(4, 3, 32, 32);
        assertThat((long) TiledCanvas.aspectRatioId(out.arrangement(), 4)).isEqualTo(ref.longs(name + ".aspect_ratio_ids")[0]);
        assertThat((long) out.numTiles()).isEqualTo(ref.longs(name + ".num_tiles")[0]);
        long[] mask = new long[4];
        mask[0] = 1;
        for (int t = 0; t < out.numTiles(); t++) mask[t] = 1;
        assertThat(mask).containsExactly(ref.longs(name + ".aspect_ratio_mask"));
    }

    @Test
    void aBatchWithUnequalImageCountsIsPackedAsTransformersPacksIt() throws IOException {
        MllamaImageProcessor processor = processorFromFixture();
        ReferenceTensors ref = reference();
        JsonNode json = processorJson();
        List<List<RgbImage>> samples = new ArrayList<>();
        for (JsonNode row : json.get("batch")) {
            List<RgbImage> images = new ArrayList<>();
            for (JsonNode n : row) images.add(Images.read(Fixtures.path(DIR[0], DIR[1], json.get("images").get(n.asText()).get("file").asText())));
            samples.add(images);
        }

        MllamaImageBatch batch = processor.preprocessBatch(samples);

        assertThat(ref.shape("batch.pixel_values")).containsExactly(2, 2, 4, 3, 32, 32);
        assertBitExact(batch.pixelValues(), ref.floats("batch.pixel_values"), "batch");
        assertThat(batch.aspectRatioIds()).containsExactly(ref.longs("batch.aspect_ratio_ids"));
        assertThat(batch.aspectRatioMask()).containsExactly(ref.longs("batch.aspect_ratio_mask"));
        assertThat(Arrays.stream(batch.numTiles()).asLongStream().toArray()).containsExactly(ref.longs("batch.num_tiles"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"xattn", "xattn2"})
    void crossAttentionMasksFromIdsEqualTheReference(String prefix) throws IOException {
        ReferenceTensors ref = reference();
        long imageToken = processorJson().get("xattn_image_token_id").asLong();
        int[] idShape = ref.shape(prefix + ".input_ids");
        long[] flat = ref.longs(prefix + ".input_ids");
        long[][] ids = new long[idShape[0]][];
        for (int b = 0; b < ids.length; b++) ids[b] = Arrays.copyOfRange(flat, b * idShape[1], (b + 1) * idShape[1]);
        int[] tileShape = ref.shape(prefix + ".num_tiles");
        long[] tiles = ref.longs(prefix + ".num_tiles");
        int[][] numTiles = new int[tileShape[0]][tileShape[1]];
        for (int b = 0; b < tileShape[0]; b++) for (int i = 0; i < tileShape[1]; i++) numTiles[b][i] = (int) tiles[b * tileShape[1] + i];

        long[] mask = CrossAttentionMask.dense(ids, numTiles, imageToken, 4);

        int[] maskShape = ref.shape(prefix + ".cross_attention_mask");
        assertThat(CrossAttentionMask.maxImages(ids, imageToken)).isEqualTo(maskShape[2]);
        assertThat(mask).containsExactly(ref.longs(prefix + ".cross_attention_mask"));
    }

    @Test
    void consecutiveImageTokensSeeTheTextAfterTheGroupAndALoneImageSeesToTheEnd() {
        // Closed cases of transformers' get_cross_attention_token_mask: 9 marks an image.
        assertThat(CrossAttentionMask.tokenRanges(new long[] {1, 9, 2, 3}, 9)).containsExactly(new int[] {1, -1});
        assertThat(CrossAttentionMask.tokenRanges(new long[] {9, 9, 2, 9, 3}, 9))
                .containsExactly(new int[] {0, 3}, new int[] {1, 3}, new int[] {3, 5});
        assertThat(CrossAttentionMask.tokenRanges(new long[] {1, 2}, 9)).isEmpty();
    }

    @Test
    void canvasSelectionPrefersTheSmallestUpscaleThenTheSmallestArea() {
        // A 100x45 image (row 0 of tiny-mllama) on 32-pixel tiles: 3 tiles wide, as the fixture's README says.
        assertThat(TiledCanvas.optimalCanvas(45, 100, 4, 32)).isEqualTo(new TiledCanvas.Arrangement(1, 3));
        assertThat(TiledCanvas.aspectRatioId(new TiledCanvas.Arrangement(1, 3), 4)).isEqualTo(3);
        // Larger than every canvas: the mildest downscale (1000x1000 -> 2x2 at scale 0.064).
        assertThat(TiledCanvas.optimalCanvas(1000, 1000, 4, 32)).isEqualTo(new TiledCanvas.Arrangement(2, 2));
        assertThat(TiledCanvas.supportedArrangements(4)).hasSize(8);
    }

    @Test
    void unsupportedSettingsAreRefusedByName() {
        var json = new ObjectMapper().createObjectNode().put("do_pad", false);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MllamaProcessorConfig.fromJson(json))
                .hasMessageContaining("do_pad");
        var unknown = new ObjectMapper().createObjectNode().put("crop_size", 3);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MllamaProcessorConfig.fromJson(unknown))
                .hasMessageContaining("crop_size");
    }

    private static MllamaImageProcessor processorFromFixture() throws IOException {
        MllamaProcessorConfig config = MllamaProcessorConfig.fromJson(processorJson().get("kwargs"));
        assertThat(config.tileSize()).isEqualTo(32);
        assertThat(config.resample()).isEqualTo(ResampleFilter.BILINEAR);
        return new MllamaImageProcessor(config);
    }

    private static JsonNode processorJson() throws IOException {
        return new ObjectMapper().readTree(Fixtures.path(DIR[0], DIR[1], "processor.json").toFile());
    }

    private static ReferenceTensors reference() throws IOException {
        return ReferenceTensors.open(Fixtures.path(DIR[0], DIR[1], "reference.safetensors"));
    }

    private static void assertBitExact(float[] got, float[] expected, String what) {
        assertThat(got.length).as(what + " length").isEqualTo(expected.length);
        int mismatches = 0;
        int first = -1;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(expected[i])) {
                if (first < 0) first = i;
                mismatches++;
            }
        }
        assertThat(mismatches).as("%s: %d of %d values differ (first at %d: got %s, expected %s)", what, mismatches,
                expected.length, first, first < 0 ? "" : got[first], first < 0 ? "" : expected[first]).isZero();
    }
}

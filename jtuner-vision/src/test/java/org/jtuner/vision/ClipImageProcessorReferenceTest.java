package org.jtuner.vision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;

import org.jtuner.testing.Fixtures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Pillow-path CLIP pixels of the reference fixture (Pillow 9.4 bicubic, centre crop, float32 rescale and
 * normalisation), with and without LLaVA's pad-to-square. They are matched bit for bit: every float equal.
 */
class ClipImageProcessorReferenceTest {
    private static final String DIR = "clip-image-processor";

    @ParameterizedTest
    @ValueSource(strings = {"wide_500x375", "tall_200x300", "square_336", "small_64x48", "odd_337x101"})
    void pixelValuesEqualTheReferenceExactly(String name) throws IOException {
        ClipImageProcessor processor = processorFromFixture();
        ReferenceTensors reference = ReferenceTensors.open(Fixtures.path(DIR, "reference.safetensors"));
        RgbImage image = Images.read(Fixtures.path(DIR, name + ".png"));

        assertBitExact(processor.preprocess(image), reference, "pil." + name + ".pixel_values");
        assertBitExact(processor.preprocess(processor.expandToSquare(image)), reference, "pil." + name + ".expand2square.pixel_values");
    }

    private static ClipImageProcessor processorFromFixture() throws IOException {
        var json = new ObjectMapper().readTree(Fixtures.path(DIR, "processor.json").toFile());
        ClipProcessorConfig config = ClipProcessorConfig.fromJson(json.get("processor_kwargs"));
        assertThat(config).isEqualTo(ClipProcessorConfig.clipVitL14_336());
        int[] background = new int[3];
        for (int c = 0; c < 3; c++) background[c] = json.get("expand2square_background").get(c).asInt();
        assertThat(ExpandToSquare.backgroundFor(config.imageMean())).containsExactly(background);
        return new ClipImageProcessor(config);
    }

    private static void assertBitExact(PixelValues actual, ReferenceTensors reference, String tensor) {
        assertThat(actual.shape()).containsExactly(reference.shape(tensor));
        float[] expected = reference.floats(tensor);
        float[] got = actual.data();
        int mismatches = 0;
        int first = -1;
        float maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(expected[i])) {
                if (first < 0) first = i;
                mismatches++;
                maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
            }
        }
        assertThat(mismatches)
                .as("%s: %d of %d values differ (max |diff| %s; first at flat index %d: got %s, expected %s)", tensor, mismatches,
                        expected.length, maxDiff, first, first < 0 ? "" : got[first], first < 0 ? "" : expected[first])
                .isZero();
    }
}

package org.jtuner.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

/** Configuration, resize targets, centre-crop offsets and padding, and LLaVA's pad-to-square. */
class ClipImageProcessorTest {
    @TempDir
    Path dir;

    @Test
    void readsTheOpenAiClip336ConfigWithPlainIntegers() throws IOException {
        Path config = Files.writeString(dir.resolve("preprocessor_config.json"), """
                {"crop_size": 336, "do_center_crop": true, "do_normalize": true, "do_resize": true,
                 "feature_extractor_type": "CLIPFeatureExtractor",
                 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
                 "resample": 3, "size": 336}""");
        ClipImageProcessor processor = ClipImageProcessor.fromConfig(config);
        assertThat(processor.config()).isEqualTo(ClipProcessorConfig.clipVitL14_336());
        assertThat(processor.preprocess(RgbImage.filled(500, 375, 1, 2, 3)).shape()).containsExactly(3, 336, 336);
    }

    @Test
    void missingKeysTakeTransformersDefaults() throws IOException {
        ClipProcessorConfig c = ClipProcessorConfig.fromJson(new ObjectMapper().readTree("{}"));
        assertThat(c.size()).isEqualTo(ClipProcessorConfig.Size.shortestEdge(224));
        assertThat(c.cropHeight()).isEqualTo(224);
        assertThat(c.resample()).isEqualTo(ResampleFilter.BICUBIC);
        assertThat(c.imageMean()).containsExactly(ClipProcessorConfig.CLIP_MEAN);
        assertThat(c.rescaleFactor()).isEqualTo(1 / 255.0);
    }

    @Test
    void rejectsWhatItCannotDo() {
        assertThatThrownBy(() -> ClipProcessorConfig.fromJson(new ObjectMapper().readTree("{\"resample\": 0}"))).hasMessageContaining("NEAREST");
        assertThatThrownBy(() -> ClipProcessorConfig.fromJson(new ObjectMapper().readTree("{\"size\": {\"longest_edge\": 3}}"))).hasMessageContaining("size");
        assertThatThrownBy(() -> ClipProcessorConfig.fromJson(new ObjectMapper().readTree("{\"image_processor_type\": \"SiglipImageProcessor\"}")))
                .hasMessageContaining("not a CLIP");
        Path broken = dir.resolve("broken.json");
        assertThatThrownBy(() -> ClipImageProcessor.fromConfig(broken)).hasMessageContaining(broken.toString());
    }

    @Test
    void shortestEdgeKeepsAspectWithPythonsTruncation() {
        ClipProcessorConfig.Size s = ClipProcessorConfig.Size.shortestEdge(336);
        assertThat(s.outputFor(500, 375)).containsExactly(448, 336);
        assertThat(s.outputFor(200, 300)).containsExactly(336, 504);
        assertThat(s.outputFor(337, 101)).containsExactly(1121, 336); // int(336 * 337 / 101) = int(1121.108...)
        assertThat(s.outputFor(64, 48)).containsExactly(448, 336);
        assertThat(s.outputFor(336, 336)).containsExactly(336, 336);
        assertThat(ClipProcessorConfig.Size.exact(10, 20).outputFor(5, 5)).containsExactly(20, 10);
    }

    @Test
    void centreCropUsesFloorOffsetsAndPadsWithLevelZero() {
        // No resize, no normalisation: the output is the uint8 levels as floats.
        ClipProcessorConfig raw = new ClipProcessorConfig(false, ClipProcessorConfig.Size.shortestEdge(1), ResampleFilter.BICUBIC,
                true, 2, 4, false, 1 / 255.0, false, ClipProcessorConfig.CLIP_MEAN, ClipProcessorConfig.CLIP_STD);
        byte[] levels = new byte[5 * 3 * 3];
        for (int i = 0; i < 15; i++) levels[3 * i] = (byte) (i + 1); // red = 1..15 row by row, 5 wide, 3 high
        PixelValues out = new ClipImageProcessor(raw).preprocess(new RgbImage(5, 3, levels));
        // top = (3 - 2) // 2 = 0, left = (5 - 4) // 2 = 0
        assertThat(out.shape()).containsExactly(3, 2, 4);
        assertThat(new float[] {out.get(0, 0, 0), out.get(0, 0, 3), out.get(0, 1, 0)}).containsExactly(1, 4, 6);

        // Crop larger than the image: transformers pads with zeros, image placed at ceil((crop - size) / 2).
        ClipProcessorConfig big = new ClipProcessorConfig(false, ClipProcessorConfig.Size.shortestEdge(1), ResampleFilter.BICUBIC,
                true, 6, 8, false, 1 / 255.0, false, ClipProcessorConfig.CLIP_MEAN, ClipProcessorConfig.CLIP_STD);
        PixelValues padded = new ClipImageProcessor(big).preprocess(new RgbImage(5, 3, levels));
        assertThat(padded.get(0, 1, 1)).isZero();
        assertThat(padded.get(0, 2, 2)).isEqualTo(1); // top pad ceil(3/2) = 2, left pad ceil(3/2) = 2
        assertThat(padded.get(0, 4, 6)).isEqualTo(15);
        assertThat(padded.get(0, 5, 7)).isZero();
    }

    @Test
    void normalisationIsFloat32LikeNumpy() {
        PixelValues out = ClipImageProcessor.defaults().preprocess(RgbImage.filled(336, 336, 0, 128, 255));
        float scale = (float) (1 / 255.0);
        assertThat(out.get(0, 0, 0)).isEqualTo((0 * scale - 0.48145466f) / 0.26862954f);
        assertThat(out.get(1, 100, 7)).isEqualTo((128 * scale - 0.4578275f) / 0.26130258f);
        assertThat(out.get(2, 335, 335)).isEqualTo((255 * scale - 0.40821073f) / 0.27577711f);
    }

    @Test
    void expandToSquarePadsWithLlavasBackground() {
        assertThat(ExpandToSquare.backgroundFor(ClipProcessorConfig.CLIP_MEAN)).containsExactly(122, 116, 104);
        RgbImage wide = RgbImage.filled(5, 2, 9, 9, 9);
        RgbImage square = ClipImageProcessor.defaults().expandToSquare(wide);
        assertThat(square.width()).isEqualTo(5);
        assertThat(square.height()).isEqualTo(5);
        // pasted at (0, (5 - 2) // 2) = (0, 1)
        assertThat(square.get(0, 0, 0)).isEqualTo(122);
        assertThat(square.get(4, 1, 1)).isEqualTo(9);
        assertThat(square.get(4, 2, 2)).isEqualTo(9);
        assertThat(square.get(2, 3, 1)).isEqualTo(116);

        RgbImage tall = ExpandToSquare.apply(RgbImage.filled(2, 5, 9, 9, 9), new int[] {1, 2, 3});
        // pasted at ((5 - 2) // 2, 0) = (1, 0)
        assertThat(tall.get(0, 0, 2)).isEqualTo(3);
        assertThat(tall.get(1, 0, 0)).isEqualTo(9);
        assertThat(tall.get(2, 4, 0)).isEqualTo(9);
        assertThat(tall.get(3, 4, 0)).isEqualTo(1);

        RgbImage square336 = RgbImage.filled(4, 4, 1, 1, 1);
        assertThat(ExpandToSquare.apply(square336, new int[] {0, 0, 0})).isSameAs(square336);
    }
}

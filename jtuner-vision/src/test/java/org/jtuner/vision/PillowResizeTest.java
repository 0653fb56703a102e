package org.jtuner.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Small resizes of a fixed pattern against Pillow 9.4's own output (pillow-resize-7x5.txt): every filter, down and up,
 * one axis only, and extreme ratios. The large bicubic cases are in {@link ClipImageProcessorReferenceTest}.
 */
class PillowResizeTest {

    static RgbImage pattern() {
        int w = 7, h = 5;
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    rgb[(y * w + x) * 3 + c] = (byte) (((x * 37 + y * 91 + c * 53) % 256) ^ ((x * y * 29 + c * 7) % 256));
        return new RgbImage(w, h, rgb);
    }

    @Test
    void everyFilterAndSizeEqualsPillow() throws IOException {
        List<String> cases;
        try (InputStream in = getClass().getResourceAsStream("pillow-resize-7x5.txt")) {
            cases = new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines().filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        }
        assertThat(cases).hasSize(30);
        RgbImage source = pattern();
        for (String line : cases) {
            String[] f = line.split(" ");
            ResampleFilter filter = ResampleFilter.valueOf(f[0]);
            int w = Integer.parseInt(f[1]), h = Integer.parseInt(f[2]);
            RgbImage out = PillowResize.resize(source, w, h, filter);
            assertThat(HexFormat.of().formatHex(out.rgb())).as("%s to %dx%d", filter, w, h).isEqualTo(f[3]);
        }
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage source = pattern();
        RgbImage out = PillowResize.resize(source, 7, 5, ResampleFilter.BICUBIC);
        assertThat(out).isEqualTo(source);
        assertThat(out.rgb()).isNotSameAs(source.rgb());
    }

    @Test
    void flatImageStaysFlatUnderEveryFilter() {
        RgbImage flat = RgbImage.filled(13, 9, 200, 17, 255);
        for (ResampleFilter f : ResampleFilter.values()) {
            assertThat(PillowResize.resize(flat, 5, 21, f)).as(f.name()).isEqualTo(RgbImage.filled(5, 21, 200, 17, 255));
        }
    }

    @Test
    void filtersKeepPillowNumbers() {
        assertThat(ResampleFilter.fromPillowCode(3)).isEqualTo(ResampleFilter.BICUBIC);
        assertThat(ResampleFilter.fromPillowCode(1)).isEqualTo(ResampleFilter.LANCZOS);
        assertThatThrownBy(() -> ResampleFilter.fromPillowCode(0)).hasMessageContaining("NEAREST");
        assertThatThrownBy(() -> ResampleFilter.fromPillowCode(9)).hasMessageContaining("unknown");
        assertThatThrownBy(() -> PillowResize.resize(pattern(), 0, 3, ResampleFilter.BOX)).isInstanceOf(IllegalArgumentException.class);
    }
}

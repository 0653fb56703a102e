package org.jtuner.vision.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.testing.Fixtures;
import org.jtuner.vision.Images;
import org.jtuner.vision.RgbImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of {@code ../shared/fixtures/augmentation} (torchvision 0.14.1's functional ops on PIL images,
 * Pillow 9.4, made by {@code make_augment_fixtures.py} there): the port gives the same pixels, every byte
 * equal, no tolerance.
 */
class ImageOpsReferenceTest {
    static Stream<JsonNode> cases() throws IOException {
        JsonNode root = new ObjectMapper().readTree(Fixtures.path("augmentation", "cases.json").toFile());
        List<JsonNode> out = new ArrayList<>();
        root.get("cases").forEach(out::add);
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void eachCaseEqualsTorchvisionToTheByte(JsonNode c) throws IOException {
        RgbImage image = Images.read(Fixtures.path("clip-image-processor", c.get("image").asText()));
        List<AugmentOp> ops = new ArrayList<>();
        for (JsonNode op : c.get("ops")) ops.add(AugmentOp.parse(spec(op)));
        RgbImage got = AugmentOp.applyAll(ops, image);
        RgbImage want = Images.read(Fixtures.path("augmentation", c.get("output").asText()));
        assertThat(got.width()).isEqualTo(want.width());
        assertThat(got.height()).isEqualTo(want.height());
        int diff = 0, first = -1;
        for (int i = 0; i < want.rgb().length; i++) {
            if (got.rgb()[i] != want.rgb()[i]) {
                diff++;
                if (first < 0) first = i;
            }
        }
        assertThat(diff).as("%s: bytes differing (first at %d)", c.get("name").asText(), first).isZero();
    }

    /** ["resized_crop", 45, 66, 50, 182, 224] as the CLI spells it: resized_crop=45,66,50,182,224. */
    static String spec(JsonNode op) {
        StringBuilder s = new StringBuilder(op.get(0).asText());
        for (int i = 1; i < op.size(); i++) s.append(i == 1 ? '=' : ',').append(op.get(i).asText());
        return s.toString();
    }

    @Test
    void badOpSpellingsAreNamed() {
        assertThatThrownBy(() -> AugmentOp.parse("blur=2")).hasMessageContaining("unknown op 'blur'");
        assertThatThrownBy(() -> AugmentOp.parse("resized_crop=1,2,3")).hasMessageContaining("resized_crop=top,left,height,width,size");
        assertThatThrownBy(() -> AugmentOp.parse("hue=0.7")).hasMessageContaining("[-0.5, 0.5]");
        assertThatThrownBy(() -> AugmentOp.parse("contrast=x")).hasMessageContaining("not a number");
    }
}

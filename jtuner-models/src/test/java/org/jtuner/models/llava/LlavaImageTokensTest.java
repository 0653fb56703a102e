package org.jtuner.models.llava;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.tensor.Ops;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Where image features go: text-only batches, several images, and the token count check. */
class LlavaImageTokensTest {
    static final int IMG = 319, P = 16, D = 64;
    static LlavaForConditionalGeneration model;

    @BeforeAll
    static void load() throws Exception {
        model = LlavaForConditionalGeneration.load(Fixtures.path("tiny-llava"));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** A text-only batch runs no vision tower, and its logits are the reference's for the text-only row. */
    @Test
    void textOnlyBatchNeverRunsTheVisionTower() throws Exception {
        Path dir = Fixtures.path("tiny-llava");
        try (ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            int[] ids = ref.intArray("input_ids"), mask = ref.intArray("attention_mask");
            int t = ids.length / 2;
            Tensor row1 = Tensor.ofInts(Arrays.copyOfRange(ids, t, 2 * t), 1, t);
            Tensor mask1 = Tensor.ofInts(Arrays.copyOfRange(mask, t, 2 * t), 1, t);
            long before = model.visionTower().forwardCount();
            Tensor logits = model.forward(row1, mask1, null);
            assertThat(model.visionTower().forwardCount()).isEqualTo(before);

            float[] expected = Arrays.copyOfRange(ref.floats("logits"), t * 320, 2 * t * 320);
            double err = LlavaParityTest.validRelErr(logits.toFloatArray(), expected, Arrays.copyOfRange(mask, t, 2 * t), 320);
            System.out.printf("tiny-llava text-only row logits rel err %.3g%n", err);
            assertThat(err).isLessThan(1e-5);
        }
    }

    /**
     * Sample 0 holds two images, sample 1 one image, and a third sample is text only: the three images' features
     * land at their tokens in order, each equal to that image's features computed alone; text rows are untouched.
     */
    @Test
    void severalImagesAreConsumedInOrder() throws Exception {
        try (Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Random r = new Random(7);
            Tensor[] images = new Tensor[3];
            for (int i = 0; i < 3; i++) images[i] = Tensor.randn(r, 1, 1, 3, 32, 32);
            Tensor pixels = Ops.concat(0, images);
            int t = 2 + 2 * P + 4;
            int[] ids = new int[3 * t];
            for (int i = 0; i < ids.length; i++) ids[i] = 1 + r.nextInt(300);
            // sample 0: [bos, img0 ×16, text, img1 ×16, text...]; sample 1: [bos, text, img2 ×16, text...]
            int[] starts0 = {1, 2 + P};
            for (int st : starts0) Arrays.fill(ids, st, st + P, IMG);
            Arrays.fill(ids, t + 3, t + 3 + P, IMG);
            Tensor input = Tensor.ofInts(ids, 3, t);

            long before = model.visionTower().forwardCount();
            float[] embeds = model.inputsEmbeds(input, pixels).toFloatArray();
            assertThat(model.visionTower().forwardCount()).isEqualTo(before + 1);

            int[] startRow = {starts0[0], starts0[1], t + 3};
            for (int i = 0; i < 3; i++) {
                float[] alone = model.imageFeatures(images[i]).toFloatArray(); // [1, 16, 64]
                float[] placed = Arrays.copyOfRange(embeds, startRow[i] * D, (startRow[i] + P) * D);
                assertThat(ReferenceTensors.relErr(placed, alone)).as("image %d", i).isLessThan(1e-6);
            }
            // the text positions hold the token embeddings
            float[] table = model.languageModel().embedTokens().weight().value().toFloatArray();
            for (int pos : new int[] {0, 1 + P, t, t + 1, 2 * t + 5}) {
                assertThat(Arrays.copyOfRange(embeds, pos * D, (pos + 1) * D))
                        .containsExactly(Arrays.copyOfRange(table, ids[pos] * D, (ids[pos] + 1) * D));
            }
            // and the whole batch runs through the language model
            assertThat(model.forward(input, null, pixels).shape()).containsExactly(3, t, 320);
        }
    }

    @Test
    void imageTokenCountMustMatchTheFeatures() throws Exception {
        try (Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor pixels = Tensor.randn(new Random(1), 1, 1, 3, 32, 32);
            int[] ids = new int[24];
            Arrays.fill(ids, 5);
            Arrays.fill(ids, 1, 1 + P - 1, IMG); // 15 image tokens for one image of 16 features
            long before = model.visionTower().forwardCount();
            assertThatThrownBy(() -> model.forward(Tensor.ofInts(ids, 1, 24), null, pixels))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("image features and image tokens do not match")
                    .hasMessageContaining("15 image tokens")
                    .hasMessageContaining("16 feature rows");
            assertThat(model.visionTower().forwardCount()).as("checked before the tower runs").isEqualTo(before);

            int[] text = new int[24];
            Arrays.fill(text, 5);
            assertThatThrownBy(() -> model.forward(Tensor.ofInts(text, 1, 24), null, pixels))
                    .hasMessageContaining("0 image tokens");
            assertThatThrownBy(() -> model.forward(Tensor.ofInts(ids, 1, 24), null, null))
                    .hasMessageContaining("no pixel_values");
        }
    }

    /** Gradients reach every image of a multi-image batch through its own tokens only. */
    @Test
    void gradientsFlowToEachImage() throws Exception {
        try (Scope s = Scope.open()) {
            Random r = new Random(9);
            Tensor pixels = Tensor.randn(r, 1, 2, 3, 32, 32).requiresGrad(true);
            int t = 1 + 2 * P + 3;
            int[] ids = new int[t];
            for (int i = 0; i < t; i++) ids[i] = 1 + r.nextInt(300);
            Arrays.fill(ids, 1, 1 + 2 * P, IMG);
            int[] labels = ids.clone();
            Arrays.fill(labels, 0, 1 + 2 * P, -100);
            Tensor logits = model.forward(Tensor.ofInts(ids, 1, t), null, pixels);
            LlavaForConditionalGeneration.loss(logits, Tensor.ofInts(labels, 1, t)).backward();
            float[] g = pixels.grad().toFloatArray();
            int half = g.length / 2;
            assertThat(norm(Arrays.copyOfRange(g, 0, half))).isGreaterThan(0);
            assertThat(norm(Arrays.copyOfRange(g, half, g.length))).isGreaterThan(0);
            model.namedParameters().values().forEach(p -> p.value().zeroGrad());
        }
    }

    static double norm(float[] v) {
        double n = 0;
        for (float x : v) n += x * x;
        return Math.sqrt(n);
    }
}

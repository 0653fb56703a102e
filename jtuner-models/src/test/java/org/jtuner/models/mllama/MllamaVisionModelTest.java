package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Random;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.io.config.MllamaVisionConfig;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.nn.Linear;
import org.jtuner.tensor.GradCheck;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The mllama vision encoder and projector against tiny-mllama (made by transformers 4.47.1): {@code vision_output}
 * [2,1,4,17,96] and {@code cross_attention_states} [8,17,64] of reference.safetensors (row 0 a 3-of-4-tile image,
 * row 1 an empty padded slot), and the backward against finite differences.
 */
class MllamaVisionModelTest {

    private static Path dir() {
        return Fixtures.path("tiny-mllama");
    }

    private static Linear loadProjector(int in, int out) throws Exception {
        Linear projector = MllamaMultiModalProjector.allocate(in, out);
        WeightLoader.load(projector, dir(), KeyMap.prefix("multi_modal_projector."), WeightLoader.Options.strict()
                .ignoreUnexpected("language_model\\..*", "vision_model\\..*"));
        return projector;
    }

    @Test
    void visionOutputAndCrossAttentionStatesMatchTransformers() throws Exception {
        try (MllamaVisionModel model = MllamaVisionModel.load(dir());
             Linear projector = loadProjector(96, 64);
             ReferenceTensors ref = ReferenceTensors.open(dir().resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor out = model.forward(ref.tensor("pixel_values"), ref.ints("aspect_ratio_ids"),
                    ref.ints("aspect_ratio_mask"));
            assertThat(out.shape()).containsExactly(2, 1, 4, 17, 96);
            double err = ReferenceTensors.relErr(out.toFloatArray(), ref.floats("vision_output"));
            assertThat(err).as("vision_output relative error").isLessThan(1e-5);
            Tensor states = MllamaMultiModalProjector.crossAttentionStates(projector, out);
            assertThat(states.shape()).containsExactly(8, 17, 64);
            assertThat(ReferenceTensors.relErr(states.toFloatArray(), ref.floats("cross_attention_states")))
                    .as("cross_attention_states relative error").isLessThan(1e-5);
        }
    }

    /** Row 0 alone (three real tiles, one masked) through vision model and projector, by finite differences. */
    @Test
    void gradientsMatchFiniteDifferences() throws Exception {
        try (MllamaVisionModel model = MllamaVisionModel.load(dir()); Linear projector = loadProjector(96, 64);
             ReferenceTensors ref = ReferenceTensors.open(dir().resolve("reference.safetensors"))) {
            Tensor pixels = Scope.unscoped(() -> ref.tensor("pixel_values").slice(0, 0, 1).detachedCopy());
            Tensor ids = Scope.unscoped(() -> ref.ints("aspect_ratio_ids").slice(0, 0, 1).detachedCopy());
            Tensor mask = Scope.unscoped(() -> ref.ints("aspect_ratio_mask").slice(0, 0, 1).detachedCopy());
            assertThat(ids.toIntArray()).containsExactly(3);
            assertThat(mask.toIntArray()).containsExactly(1, 1, 1, 0);
            var global = model.globalTransformer().layers().get(0);
            var local = model.transformer().layers().get(1);
            GradCheck.check("mllama vision + projector",
                    in -> MllamaMultiModalProjector.crossAttentionStates(projector, model.forward(pixels, ids, mask)),
                    model.gatedPositionalEmbedding().gate().value(),
                    model.preTilePositionalEmbedding().gate().value(),
                    model.postTilePositionalEmbedding().gate().value(),
                    global.gateAttn().value(), global.gateFfn().value(),
                    model.classEmbedding().value(),
                    model.gatedPositionalEmbedding().embedding().value(),
                    model.preTilePositionalEmbedding().embedding().weight().value(),
                    model.gatedPositionalEmbedding().tileEmbedding().weight().value(),
                    model.patchEmbedding().weight().value(),
                    local.selfAttn().qProj().weight().value(),
                    local.mlp().fc1().weight().value(),
                    global.selfAttn().oProj().weight().value(),
                    model.layernormPre().parameter("weight").value(),
                    projector.weight().value());
            pixels.close();
            ids.close();
            mask.close();
        }
    }

    @Test
    void activationCheckpointingGivesTheSameGradients() throws Exception {
        try (MllamaVisionModel model = MllamaVisionModel.create(MllamaVisionConfig.fromMllamaConfig(
                HfConfigs.readJson(dir().resolve("config.json"))), 0.06, new Random(3));
             ReferenceTensors ref = ReferenceTensors.open(dir().resolve("reference.safetensors"))) {
            float[][] grads = new float[2][];
            for (int run = 0; run < 2; run++) {
                model.setActivationCheckpointing(run == 1);
                try (Scope s = Scope.open()) {
                    Tensor out = model.forward(ref.tensor("pixel_values"), ref.ints("aspect_ratio_ids"),
                            ref.ints("aspect_ratio_mask"));
                    Ops2.weightedSum(out).backward();
                    Tensor w = model.transformer().layers().get(0).selfAttn().qProj().weight().value();
                    grads[run] = w.grad().toFloatArray();
                    w.zeroGrad();
                }
            }
            ReferenceTensors.assertSame(grads[1], grads[0], "q_proj gradient with activation checkpointing");
        }
    }

    @Test
    void wrongInputsAreNamed() throws Exception {
        try (MllamaVisionModel model = MllamaVisionModel.load(dir()); Scope s = Scope.open()) {
            assertThatThrownBy(() -> model.forward(Tensor.zeros(1, 1, 3, 3, 32, 32), Tensor.ofInts(new int[] {1}, 1, 1),
                    Tensor.ofInts(new int[] {1, 0, 0}, 1, 1, 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_num_tiles 4");
            assertThatThrownBy(() -> model.forward(Tensor.zeros(1, 1, 4, 3, 32, 32), Tensor.ofInts(new int[] {9}, 1, 1),
                    Tensor.ofInts(new int[] {1, 0, 0, 0}, 1, 1, 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aspect_ratio_id 9");
        }
    }

    /** Σ out·R with a fixed random R: a scalar every output element reaches. */
    private static final class Ops2 {
        static Tensor weightedSum(Tensor out) {
            Tensor r = Tensor.of(GradCheck.randomWeights(out.numel(), 11), out.shape());
            return org.jtuner.tensor.Ops.sum(org.jtuner.tensor.Ops.mul(out, r));
        }
    }
}

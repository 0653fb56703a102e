package org.jtuner.models.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.config.HfConfigs;
import org.jtuner.models.KeyMap;
import org.jtuner.models.WeightLoader;
import org.jtuner.models.clip.ReferenceTensors;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.nn.Parameter;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.Tensor;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;

/**
 * The text side of tiny-mllama against transformers 4.47.1 (the fixture's own reference): the fixture's
 * {@code cross_attention_states} (the projector's output) fed straight into the text model, with the processor's
 * {@code cross_attention_mask}, give the reference logits, loss and every stored gradient of the language model; the
 * {@code text_only.*} row without vision states skips the cross-attention layer.
 */
class MllamaTextModelParityTest {
    static final double TOL = 1e-5;
    static final int VOCAB = 320;

    static MllamaForCausalLM loadText(Path dir) throws Exception {
        ObjectNode json = HfConfigs.readJson(dir.resolve("config.json"));
        MllamaTextConfig config = MllamaTextConfig.fromJson((ObjectNode) json.get("text_config"));
        MllamaForCausalLM lm = MllamaForCausalLM.create(config, null);
        WeightLoader.load(lm, dir, KeyMap.prefix("language_model."),
                WeightLoader.Options.strict().ignoreUnexpected("vision_model\\..*", "multi_modal_projector\\..*"));
        return lm;
    }

    @Test
    void crossAttentionStatesGiveTheReferenceLogitsLossAndGradients() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForCausalLM lm = loadText(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open()) {
            assertThat(lm.config().crossAttentionLayers()).containsExactly(2);
            assertThat(lm.config().llama().rope().type()).isEqualTo("llama3");
            Tensor ids = ref.ints("input_ids"), mask = ref.ints("attention_mask"), labels = ref.ints("labels");
            Tensor vision = ref.tensor("cross_attention_states").reshape(2, 4 * 17, 64); // [B·images·tiles, 17, D] per row
            MllamaCrossAttentionMask xmask = MllamaCrossAttentionMask.of(ref.ints("cross_attention_mask"), 17);

            Tensor logits = lm.forward(ids, mask, vision, xmask);
            assertThat(logits.shape()).containsExactly(2, 14, VOCAB);
            double logitErr = validRelErr(logits.toFloatArray(), ref.floats("logits"), ref.intArray("attention_mask"));
            Tensor loss = LlamaForCausalLM.causalLmLoss(logits, labels);
            float refLoss = ref.floats("loss")[0];
            double lossErr = Math.abs(loss.item() - refLoss) / Math.abs(refLoss);
            System.out.printf("tiny-mllama text: logits rel err %.3g, loss %.7f vs %.7f (rel %.3g)%n",
                    logitErr, loss.item(), refLoss, lossErr);
            assertThat(logitErr).isLessThan(TOL);
            assertThat(lossErr).isLessThan(TOL);

            loss.backward();
            List<String> grads = ref.names().stream().filter(n -> n.startsWith("grad.language_model.")).toList();
            assertThat(grads).hasSize(20);
            for (String g : grads) {
                String name = g.substring("grad.language_model.".length());
                Parameter p = lm.parameter(name);
                assertThat(p).as("parameter %s", name).isNotNull();
                assertThat(p.value().grad()).as("gradient of %s", name).isNotNull();
                double err = ReferenceTensors.relErr(p.value().grad().toFloatArray(), ref.floats(g));
                System.out.printf("tiny-mllama text %s rel err %.3g%n", g, err);
                assertThat(err).as(g).isLessThan(TOL);
            }
        }
    }

    @Test
    void textOnlyRowSkipsTheCrossAttentionLayer() throws Exception {
        Path dir = Fixtures.path("tiny-mllama");
        try (MllamaForCausalLM lm = loadText(dir);
             ReferenceTensors ref = ReferenceTensors.open(dir.resolve("reference.safetensors"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Tensor logits = lm.forward(ref.ints("text_only.input_ids"), ref.ints("text_only.attention_mask"), null, null);
            double err = validRelErr(logits.toFloatArray(), ref.floats("text_only.logits"), ref.intArray("text_only.attention_mask"));
            System.out.printf("tiny-mllama text_only logits rel err %.3g%n", err);
            assertThat(err).isLessThan(TOL);
        }
    }

    /** ‖a−b‖/‖b‖ over the positions whose attention_mask is 1 (padded positions' logits mean nothing). */
    static double validRelErr(float[] a, float[] b, int[] mask) {
        int n = 0;
        for (int m : mask) n += m != 0 ? 1 : 0;
        float[] x = new float[n * VOCAB], y = new float[n * VOCAB];
        int k = 0;
        for (int pos = 0; pos < mask.length; pos++) {
            if (mask[pos] == 0) continue;
            System.arraycopy(a, pos * VOCAB, x, k * VOCAB, VOCAB);
            System.arraycopy(b, pos * VOCAB, y, k * VOCAB, VOCAB);
            k++;
        }
        return ReferenceTensors.relErr(x, y);
    }
}

package org.jtuner.train.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.DataConfig;
import org.jtuner.train.TrainRun;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;

/**
 * The Llama-3.2-11B-Vision-Instruct built-ins resolve and bind strictly (model and data sections), with Meta's
 * llama-recipes settings and, for the LLaVA-CoT recipe, its stages from llava_cot_base.
 */
class MllamaRecipeTest {
    static final String MODEL = "models/Llama-3.2-11B-Vision-Instruct";
    static final String COT = "llava_cot_llama3_2_11b_vision_instruct_";

    /** The config as `jtuner train` resolves it (tokenizer and image processor from the model folder), bound. */
    static RunConfig bind(String name) {
        ObjectNode tree = TrainRun.resolve(name, List.of());
        DataConfig data = DataConfig.fromYamlSection(tree.get("data"));
        assertThat(data.tokenizer().toString()).isEqualTo(MODEL);
        assertThat(data.imageProcessor().toString()).isEqualTo(MODEL);
        assertThat(data.template()).isEqualTo(DataConfig.TOKENIZER_CHAT_TEMPLATE);
        assertThat(data.padImageToSquare()).isFalse();
        return RunConfig.bind(tree, name);
    }

    @Test
    void fullAndLoraFineTuningAsLlamaRecipes() {
        assertThat(ConfigFiles.builtinNames()).contains("llama3_2_11b_vision_instruct_full_finetune",
                "llama3_2_11b_vision_instruct_lora_finetune");
        RunConfig full = bind("llama3_2_11b_vision_instruct_full_finetune");
        assertThat(full.model().mllama()).isEqualTo(MODEL);
        assertThat(full.model().freezeLlm()).isFalse();
        assertThat(full.model().freezeVisualEncoder()).isFalse();
        assertThat(full.model().freezeProjector()).isFalse();
        assertThat(full.optim().lr()).isEqualTo(1e-5);            // --lr 1e-5
        assertThat(full.optim().epochs()).isEqualTo(3);           // --num_epochs 3
        assertThat(full.optim().accumulativeCounts()).isEqualTo(4); // 4 GPUs x --batch_size_training 2
        assertThat(full.optim().weightDecay()).isZero();
        assertThat(full.train().precision()).isEqualTo("bf16");
        assertThat(full.evaluation().prompts()).isEmpty();

        RunConfig lora = bind("llama3_2_11b_vision_instruct_lora_finetune");
        assertThat(lora.model().freezeLlm()).isTrue();
        assertThat(lora.model().freezeProjector()).isTrue();
        assertThat(lora.model().llmLora().r()).isEqualTo(16);     // llama-recipes' lora_config
        assertThat(lora.model().llmLora().alpha()).isEqualTo(32.0);
        assertThat(lora.model().llmLora().dropout()).isEqualTo(0.05);
        assertThat(lora.model().llmLora().targetModules().toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");
        assertThat(lora.model().visualEncoderLora().targetModules().toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");
    }

    @Test
    void llavaCotStagesOnLlama32Vision() {
        assertThat(ConfigFiles.builtinNames()).contains(COT + "stage1_projector", COT + "stage2_full", COT + "stage2_lora");
        RunConfig one = bind(COT + "stage1_projector");
        assertThat(one.model().mllama()).isEqualTo(MODEL);
        assertThat(one.model().visionEncoder()).isNull();
        assertThat(one.model().freezeLlm()).isTrue();
        assertThat(one.model().freezeVisualEncoder()).isTrue();
        assertThat(one.model().freezeProjector()).isFalse();
        assertThat(one.optim().epochs()).isEqualTo(1);

        RunConfig two = bind(COT + "stage2_full");
        assertThat(two.model().freezeLlm()).isFalse();
        assertThat(two.model().freezeVisualEncoder()).isFalse();
        assertThat(two.model().pretrainedPth()).isEqualTo("work_dirs/" + one.name());
        assertThat(two.optim().lr()).isEqualTo(1e-5);             // LLaVA-CoT's --lr 1e-5
        assertThat(two.optim().epochs()).isEqualTo(3);            // --num_epochs 3
        assertThat(two.optim().scheduler()).isEqualTo("linear");  // llava_cot_base: warm-up + linear decay
        assertThat(two.optim().accumulativeCounts()).isEqualTo(8); // 4 x 8 = the paper's global batch of 32
        assertThat(two.train().precision()).isEqualTo("bf16");

        RunConfig lora = bind(COT + "stage2_lora");
        assertThat(lora.model().freezeLlm()).isTrue();
        assertThat(lora.model().llmLora().r()).isEqualTo(128);
        assertThat(lora.model().pretrainedPth()).isEqualTo(two.model().pretrainedPth());

        DataConfig data = DataConfig.fromYamlSection(TrainRun.resolve(COT + "stage2_full", List.of()).get("data"));
        assertThat(data.cotStages()).isTrue();                    // every answer SUMMARY, CAPTION, REASONING, CONCLUSION
        assertThat(data.files().toString()).contains("LLaVA-CoT-100k");
        assertThat(data.augment().image().crop().p()).isEqualTo(0.5);
        assertThat(data.augment().image().hflipP()).isZero();
    }
}

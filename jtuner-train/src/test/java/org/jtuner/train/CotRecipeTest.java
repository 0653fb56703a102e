package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.DataConfig;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;

/** The LLaVA-CoT recipes resolve from their shared base and bind, with the paper's settings where they apply. */
class CotRecipeTest {
    static final String PREFIX = "llava_cot_llama3_8b_instruct_clip_vit_large_p14_336_";

    static RunConfig bind(String name) {
        ObjectNode tree = ConfigFiles.load(name, List.of("data.tokenizer=models/Meta-Llama-3-8B-Instruct"));
        DataConfig.fromYamlSection(tree.get("data")); // the data section binds strictly too
        return RunConfig.bind(tree, name);
    }

    @Test
    void stageOneTrainsTheProjectorAndStageTwoStartsFromIt() {
        assertThat(ConfigFiles.builtinNames()).contains(PREFIX + "stage1_projector", PREFIX + "stage2_full", PREFIX + "stage2_lora");
        RunConfig one = bind(PREFIX + "stage1_projector");
        assertThat(one.model().freezeLlm()).isTrue();
        assertThat(one.model().llmLora()).isNull();
        assertThat(one.optim().lr()).isEqualTo(1e-3);

        RunConfig full = bind(PREFIX + "stage2_full");
        assertThat(full.model().freezeLlm()).isFalse();
        assertThat(full.model().pretrainedPth()).isEqualTo("work_dirs/" + one.name());
        assertThat(full.optim().lr()).isEqualTo(1e-5);   // LLaVA-CoT's --lr 1e-5
        assertThat(full.optim().epochs()).isEqualTo(3);  // --num_epochs 3
        assertThat(full.optim().scheduler()).isEqualTo("linear");
        assertThat(full.optim().accumulativeCounts()).isEqualTo(8); // 4 x 8 = the paper's global batch of 32
        assertThat(full.train().precision()).isEqualTo("bf16");

        RunConfig lora = bind(PREFIX + "stage2_lora");
        assertThat(lora.model().llmLora().r()).isEqualTo(128);
        assertThat(lora.model().pretrainedPth()).isEqualTo(full.model().pretrainedPth());

        DataConfig data = DataConfig.fromYamlSection(ConfigFiles.load(PREFIX + "stage2_full",
                List.of("data.tokenizer=t")).get("data"));
        assertThat(data.cotStages()).isTrue();
        assertThat(data.perDeviceBatchSize()).isEqualTo(4);
        assertThat(data.augment().image().hflipP()).isZero();
        assertThat(data.augment().image().crop().p()).isEqualTo(0.5);
    }
}

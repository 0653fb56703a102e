package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.jtuner.data.DataConfig;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;

/**
 * The built-in config that continues LLaVA-InternLM2-7B's fine-tuning from XTuner's merged release: the merged
 * LLaVA as the model (not an LLM + tower + earlier pretrain), fresh LoRA on both with XTuner's fine-tune settings.
 */
class ContinueConfigTest {
    @Test
    void continuesFromTheMergedReleaseWithXtunersFinetuneHyperparameters() {
        var tree = ConfigFiles.load("llava_internlm2_chat_7b_clip_vit_large_p14_336_lora_e1_continue", List.of());
        RunConfig c = RunConfig.bind(tree, "builtin");
        assertThat(c.model().llava()).isEqualTo("models/llava-internlm2-7b-merged");
        assertThat(c.model().llm()).isNull();
        assertThat(c.model().visionEncoder()).isNull();
        assertThat(c.model().pretrainedPth()).isNull();
        assertThat(c.model().llmLora().r()).isEqualTo(512);
        assertThat(c.model().llmLora().alpha()).isEqualTo(256.0);
        assertThat(c.model().visualEncoderLora().r()).isEqualTo(64);
        assertThat(c.model().visualEncoderLora().alpha()).isEqualTo(16.0);
        assertThat(c.optim().lr()).isEqualTo(2e-4);
        assertThat(c.optim().warmupRatio()).isEqualTo(0.03);
        assertThat(c.optim().epochs()).isEqualTo(1);
        DataConfig d = DataConfig.fromYamlSection(tree.get("data"));
        assertThat(d.template()).isEqualTo("internlm2_chat");
        assertThat(d.imageTokenIndex()).isEqualTo(-200);
        assertThat(d.maxLength()).isEqualTo(1472);
    }
}

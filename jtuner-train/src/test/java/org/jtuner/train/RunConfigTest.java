package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunConfigTest {

    @Test
    void aConfigExtendsItsBaseAndOverridesApplyLast(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("base.yaml"), """
                model: {llm: /m/llm, vision_encoder: /m/clip, freeze_llm: true}
                optim: {lr: 1.0e-3, warmup_ratio: 0.03, betas: [0.9, 0.999]}
                checkpoint: {save_steps: 500}
                """);
        Files.writeString(dir.resolve("finetune.yaml"), """
                extends: base.yaml
                model:
                  freeze_llm: false
                  llm_lora: {r: 8, alpha: 16, target_modules: all-linear}
                optim: {lr: 2.0e-4}
                """);
        RunConfig c = RunConfig.bind(ConfigFiles.load(dir.resolve("finetune.yaml").toString(),
                List.of("optim.lr=2e-5", "checkpoint.save_total_limit=3")), "test");
        assertThat(c.model().llm()).isEqualTo("/m/llm");              // from the base
        assertThat(c.model().freezeLlm()).isFalse();                   // changed by the child
        assertThat(c.model().llmLora().r()).isEqualTo(8);
        assertThat(c.optim().lr()).isEqualTo(2e-5);                    // override beats both files
        assertThat(c.optim().warmupRatio()).isEqualTo(0.03);
        assertThat(c.checkpoint().saveSteps()).isEqualTo(500);
        assertThat(c.checkpoint().saveTotalLimit()).isEqualTo(3);
        assertThat(c.optim().maxNorm()).isEqualTo(1.0);                // default
    }

    @Test
    void anUnknownKeyNamesItsPathAndTheNearestValidKey() {
        var tree = ConfigFiles.load(writeTemp("optim: {lrr: 0.1}\n"), List.of());
        assertThatThrownBy(() -> RunConfig.bind(tree, "my.yaml"))
                .hasMessageContaining("unknown key 'optim.lrr' in my.yaml").hasMessageContaining("did you mean 'optim.lr'");
        var override = ConfigFiles.load(writeTemp("{}\n"), List.of("checkpoint.save_step=3"));
        assertThatThrownBy(() -> RunConfig.bind(override, "cli"))
                .hasMessageContaining("checkpoint.save_step").hasMessageContaining("checkpoint.save_steps");
    }

    @Test
    void badValuesAndMissingConfigsAreClearErrors() {
        assertThatThrownBy(() -> RunConfig.bind(ConfigFiles.load(writeTemp("train: {precision: fp8}\n"), List.of()), "x"))
                .hasMessageContaining("precision");
        assertThatThrownBy(() -> ConfigFiles.load("no_such_config", List.of()))
                .hasMessageContaining("no_such_config").hasMessageContaining("list-cfg");
        assertThatThrownBy(() -> ConfigFiles.load(writeTemp("{}\n"), List.of("novalue")))
                .hasMessageContaining("key=value");
    }

    private static String writeTemp(String yaml) {
        try {
            Path f = Files.createTempFile("cfg", ".yaml");
            Files.writeString(f, yaml);
            f.toFile().deleteOnExit();
            return f.toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}

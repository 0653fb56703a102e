package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import org.jtuner.train.demo.Demo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo end to end at a smaller size: generated data, tokenizer and models, the three stages through the
 * train code path, evaluation by generation. The model must learn (held-out accuracy well above the 0% before).
 */
class DemoTest {

    @Test
    void theMiniatureRecipeLearns(@TempDir Path work) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Demo.Result r = Demo.run(work, 1500, 100, new PrintStream(log, true));
        String out = log.toString();
        assertThat(r.accuracyBefore()).isLessThan(0.05);
        assertThat(r.accuracyAfter()).as(out).isGreaterThan(0.5);
        assertThat(out.strip()).endsWith(String.format(java.util.Locale.ROOT, "demo: held-out accuracy before %.0f%% after %.0f%%",
                100 * r.accuracyBefore(), 100 * r.accuracyAfter()));
        for (String stage : new String[] {"stage0", "stage1", "stage2"}) {
            assertThat(work.resolve(stage).resolve("metrics.jsonl")).exists();
            assertThat(work.resolve(stage).resolve("loss.png")).exists();
            assertThat(work.resolve(stage).resolve("config.yaml")).exists();
            assertThat(new Checkpoints(work.resolve(stage)).latest()).isNotNull();
        }
    }
}

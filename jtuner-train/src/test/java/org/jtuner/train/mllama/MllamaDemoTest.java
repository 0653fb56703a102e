package org.jtuner.train.mllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.jtuner.train.demo.MllamaDemo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner demo --mllama} from nothing (no fixture): the tiny Llama-3.2-Vision, its tokenizer, processor settings
 * and data are written by jtuner itself and trained through {@code jtuner train}'s path; the loss falls. Reduced here
 * (48 samples, batches of 8, 2 epochs) to stay fast; the full demo's figures are in the README.
 */
class MllamaDemoTest {
    @Test
    void aFreshTinyMllamaTrainsAndItsLossFalls(@TempDir Path tmp) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        MllamaDemo.Result r;
        try (PrintStream out = new PrintStream(log, true)) {
            r = MllamaDemo.run(tmp, 48, List.of("optim.epochs=2", "data.per_device_batch_size=8", "logging.log_steps=4"), out);
        }
        System.out.print(log);
        assertThat(log.toString()).contains("dataset: 48 rows").contains("text-only");
        assertThat(Files.readString(tmp.resolve("models/tiny-mllama/config.json"))).contains("\"mllama\"", "cross_attention_layers");
        assertThat(r.lastLoss()).as("last loss vs first").isLessThan(r.firstLoss() - 1.0);
        assertThat(r.workDir().resolve("loss.png")).exists();
    }
}

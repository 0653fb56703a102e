package org.jtuner.train.convert;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.io.safetensors.ShardedCheckpoint;
import org.jtuner.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint-level LoRA merge (the path InternLM2's packed-wqkv adapters take) on the fixture release's Llama
 * and llm_adapter: its base weights are W − (α/r)·B·A, so the merge must give back tiny-llava's language model.
 */
class CheckpointLoraMergeTest {
    @Test
    void mergingTheReleaseAdapterGivesBackTinyLlavasLanguageModel(@TempDir Path tmp) throws Exception {
        Path release = Fixtures.path("tiny-llava-xtuner-release");
        Path out = tmp.resolve("llm");
        CheckpointLoraMerge.merge(release.resolve("llm"), release.resolve("llm_adapter"), out);
        try (ShardedCheckpoint got = ShardedCheckpoint.open(out);
             SafetensorsFile want = SafetensorsFile.open(Fixtures.path("tiny-llava", "model.safetensors"));
             ShardedCheckpoint base = ShardedCheckpoint.open(release.resolve("llm"))) {
            int changed = 0;
            for (String key : got.names()) {
                float[] g = got.readFloats(key), w = want.readFloats("language_model." + key);
                double num = 0, den = 0;
                for (int i = 0; i < g.length; i++) {
                    num += (g[i] - w[i]) * (double) (g[i] - w[i]);
                    den += w[i] * (double) w[i];
                }
                assertThat(Math.sqrt(num / Math.max(den, 1e-30))).as(key).isLessThan(1e-5);
                if (!java.util.Arrays.equals(g, base.readFloats(key))) changed++;
            }
            assertThat(changed).as("adapted matrices (q, v, gate, down in 2 layers)").isEqualTo(8);
        }
    }
}

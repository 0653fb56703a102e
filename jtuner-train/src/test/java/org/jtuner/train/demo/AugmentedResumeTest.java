package org.jtuner.train.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.safetensors.SafetensorsFile;
import org.jtuner.train.Checkpoints;
import org.jtuner.train.TrainRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run of the CoT recipe with its image and text augmentation (every image cropped and jittered, questions
 * reworded), interrupted mid-epoch and resumed through {@code TrainRun} in a fresh work dir, continues exactly
 * as the uninterrupted run: the first step after the resume (which trains on the first augmented batch it
 * draws) and every later one have the same loss bit for bit, across an epoch boundary, and the final weights
 * are identical. The same run without augmentation has other losses, so the augmentation is in effect.
 */
class AugmentedResumeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aResumedAugmentedRunTrainsOnTheSameBatchesAsTheUninterruptedOne(@TempDir Path work) throws Exception {
        List<String> keys = new ArrayList<>(TinyCotRun.write(work, 16));
        keys.addAll(List.of("data.per_device_batch_size=4", "optim.epochs=2", "checkpoint.save_steps=3",
                "checkpoint.save_total_limit=10", "logging.log_steps=1"));
        List<String> noAugment = new ArrayList<>(keys);
        noAugment.addAll(List.of("data.augment=null", "optim.max_iters=1"));   // step 1's loss is that of the initial weights
        // every image and most questions changed, so that a wrongly keyed draw would show in the loss
        keys.addAll(List.of("data.augment.image.random_resized_crop.p=1.0", "data.augment.image.color_jitter.p=1.0",
                "data.augment.text.reword_p=0.7"));
        ObjectNode tree = TrainRun.resolve("demo_cot_finetune", keys);
        assertThat(tree.at("/data/augment/image/random_resized_crop/p").asDouble()).isEqualTo(1.0);
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());

        Path straight = work.resolve("straight"), resumed = work.resolve("resumed"), plain = work.resolve("plain");
        TrainRun.Result full = TrainRun.run(tree, straight, null, quiet);
        Path midway = straight.resolve("iter_3");      // 16 samples in batches of 4: 4 steps per epoch, 8 in all
        assertThat(Checkpoints.stepOf(full.finalCheckpoint())).isEqualTo(8);
        TrainRun.Result again = TrainRun.run(tree, resumed, midway.toString(), quiet);

        Map<Long, Double> straightLoss = losses(straight), resumedLoss = losses(resumed);
        assertThat(resumedLoss.keySet()).containsExactly(4L, 5L, 6L, 7L, 8L);
        for (long step = 4; step <= 8; step++) {
            assertThat(resumedLoss.get(step)).as("loss of step %d", step).isEqualTo(straightLoss.get(step));
        }
        try (SafetensorsFile a = SafetensorsFile.open(full.finalCheckpoint().resolve(Checkpoints.WEIGHTS));
             SafetensorsFile b = SafetensorsFile.open(again.finalCheckpoint().resolve(Checkpoints.WEIGHTS))) {
            assertThat(b.names()).containsExactlyInAnyOrderElementsOf(a.names()).isNotEmpty();
            for (String n : a.names()) assertThat(b.readFloats(n)).as(n).isEqualTo(a.readFloats(n));
        }

        TrainRun.run(TrainRun.resolve("demo_cot_finetune", noAugment), plain, null, quiet);
        Map<Long, Double> plainLoss = losses(plain);
        assertThat(plainLoss.get(1L)).as("step 1 (same weights, augmented vs plain batch)").isNotEqualTo(straightLoss.get(1L));
    }

    /** The loss of each logged step of a work dir's metrics.jsonl. */
    static Map<Long, Double> losses(Path workDir) throws Exception {
        Map<Long, Double> out = new LinkedHashMap<>();
        for (String line : java.nio.file.Files.readAllLines(workDir.resolve("metrics.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("loss")) out.put(n.get("step").asLong(), n.get("loss").asDouble());
        }
        return out;
    }
}

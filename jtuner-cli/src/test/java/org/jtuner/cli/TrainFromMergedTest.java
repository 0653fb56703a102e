package org.jtuner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.Batch;
import org.jtuner.data.DataConfig;
import org.jtuner.data.DataLoader;
import org.jtuner.data.LlavaData;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.tensor.Scope;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.testing.Fixtures;
import org.jtuner.train.TrainRun;
import org.jtuner.train.demo.DemoTokenizer;
import org.jtuner.train.demo.ShapesDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuing fine-tuning from a merged XTuner release: {@code jtuner train} with LoRA from the folder
 * {@code jtuner merge} wrote. LoRA's B starts at zero, so the loss of step 1 must be the merged model's own loss on
 * that batch (computed here by a separate forward of the merged folder on the loader's first batch). Then the
 * command line paths of a finished run (--resume says so, exit 0) and of a missing image under on_bad_sample: fail.
 */
class TrainFromMergedTest {
    @TempDir
    Path tmp;

    /** Merged tiny release + a byte-level tokenizer (ids < 320) + shapes data; returns the run config. */
    private Path setUp(boolean withGhost) throws Exception {
        Path release = Fixtures.path("tiny-llava-xtuner-release");
        Path merged = tmp.resolve("merged");
        CliErrorsTest.Run m = CliErrorsTest.run(MergeCommandTest.mergeArgs(release, merged).toArray(String[]::new));
        assertThat(m.code()).as(m.err()).isZero();
        Path data = tmp.resolve("data");
        List<ShapesDataset.Sample> samples = new java.util.ArrayList<>(ShapesDataset.generate(data, "s", 8, 0.25, 32, 5));
        if (withGhost) samples.add(0, new ShapesDataset.Sample("ghost", "images/none.png", "what shape is it ?", "circle"));
        ShapesDataset.writeJson(data.resolve("train.json"), samples);
        int vocab = DemoTokenizer.write(tmp.resolve("tok"), List.of()); // bytes + 3 specials
        assertThat(vocab).isLessThan(319);
        Path yaml = tmp.resolve("run.yaml");
        Files.writeString(yaml, """
                extends: demo_pretrain
                name: from_merged
                model:
                  llava: %s
                  llm_lora: {r: 4, alpha: 8, target_modules: [q_proj, v_proj]}
                data:
                  files: [%s]
                  image_folder: %s
                  tokenizer: %s
                  image_processor: %s
                  image_token_index: 319
                  image_seq_length: 16
                  template: default
                  max_length: 200
                  per_device_batch_size: 2
                  num_workers: 1
                  sampler: {type: shuffle}
                optim: {lr: 1.0e-3, max_iters: 3}
                logging: {log_steps: 1}
                """.formatted(merged, data.resolve("train.json"), data, tmp.resolve("tok"), merged));
        return yaml;
    }

    @Test
    void loraTrainingFromTheMergedFolderStartsAtItsLoss() throws Exception {
        Path yaml = setUp(false);
        Path work = tmp.resolve("work");
        var out = DatasetCommandsTest.run("train", yaml.toString(), "--work-dir", work.toString());
        assertThat(out.code()).as(out.out()).isZero();
        List<String> lines = Files.readAllLines(work.resolve("metrics.jsonl"));
        JsonNode first = new ObjectMapper().readTree(lines.getFirst());
        assertThat(first.get("step").asInt()).isEqualTo(1);
        double trained = first.get("loss").asDouble();

        ObjectNode tree = TrainRun.resolve(yaml.toString(), List.of());
        DataConfig dataConfig = DataConfig.fromYamlSection(tree.get("data"));
        LlavaData data = LlavaData.open(dataConfig, s -> {});
        try (DataLoader loader = data.loader(1, 0, tree.path("train").path("seed").asLong(), s -> {});
             DataLoader.Epoch epoch = loader.epoch(0, 0);
             LlavaForConditionalGeneration model = LlavaForConditionalGeneration.load(tmp.resolve("merged"));
             Scope s = Scope.open(); AutoCloseable ng = Autograd.noGrad()) {
            Batch batch = epoch.next();
            Batch.Tensors t = batch.toTensors();
            double direct = LlavaForConditionalGeneration.loss(model.forward(t.inputIds(), t.attentionMask(),
                    t.pixelValues()), t.labels()).item();
            System.out.printf("step-1 loss %.7f, merged model's loss on that batch %.7f%n", trained, direct);
            assertThat(Math.abs(trained - direct) / direct).isLessThan(1e-5);
        }

        var again = DatasetCommandsTest.run("train", yaml.toString(), "--work-dir", work.toString(), "--resume");
        assertThat(again.code()).isZero();
        assertThat(again.out()).contains("has already finished").doesNotContain("NaN");
    }

    @Test
    void aMissingImageUnderOnBadSampleFailIsOneLineNamingTheSample() throws Exception {
        Path yaml = setUp(true);
        CliErrorsTest.Run r = CliErrorsTest.run("train", yaml.toString(), "--work-dir", tmp.resolve("w").toString());
        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.lines()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).startsWith("jtuner train: ").contains("ghost");
        assertThat(r.hasTrace()).isFalse();
    }
}

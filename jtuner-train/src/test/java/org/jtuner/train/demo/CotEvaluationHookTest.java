package org.jtuner.train.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.ClipImageLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.LlavaData;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.train.Evaluator;
import org.jtuner.train.ModelSetup;
import org.jtuner.train.TrainRun;
import org.jtuner.train.config.RunConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluation.cot_benchmarks} in the trainer's evaluation hook: at the end of a run it answers every question
 * of each file (images from {@code evaluation.cot_image_folder}) with the model as trained so far and writes the
 * file's answer accuracy and structure validity to eval.jsonl. The benchmark here is made so that its expected
 * scores are known: a first, identical run's model answers the questions greedily, and the file's references are
 * those answers for half the questions and a wrong word for the others (accuracy exactly 1/2); a model after two
 * steps writes no stages (structure 0).
 */
class CotEvaluationHookTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theHookScoresEachFileWithTheTrainedModelsAnswers(@TempDir Path work) throws Exception {
        List<String> keys = new ArrayList<>(TinyCotRun.write(work, 8));
        Path data = work.resolve("data");
        keys.addAll(List.of("data.per_device_batch_size=4", "optim.max_iters=2", "evaluation.max_new_tokens=12", "data.augment=null"));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        ObjectNode firstTree = TrainRun.resolve("demo_cot_finetune", keys);
        TrainRun.Result first = TrainRun.run(firstTree, work.resolve("first"), null, quiet);

        JsonNode rows = JSON.readTree(data.resolve("train.json").toFile());
        List<String> answers = greedyAnswers(firstTree, first.finalCheckpoint(), rows, data);
        ArrayNode bench = JSON.createArrayNode();
        for (int i = 0; i < rows.size(); i++) {
            ObjectNode row = bench.addObject().put("id", "q" + i);
            if (rows.get(i).has("image")) row.put("image", rows.get(i).get("image").asText());
            row.putArray("conversations").add(rows.get(i).at("/conversations/0"))
                    .add(JSON.createObjectNode().put("from", "gpt").put("value", i % 2 == 0 ? answers.get(i) : "zzz"));
        }
        Path benchFile = work.resolve("bench/cot.json");
        Files.createDirectories(benchFile.getParent());
        JSON.writeValue(benchFile.toFile(), bench);
        for (String a : answers) assertThat(a).as("the model's answer").isNotBlank();

        List<String> withBench = new ArrayList<>(keys);
        withBench.addAll(List.of("evaluation.cot_benchmarks=[" + benchFile + "]", "evaluation.cot_image_folder=" + data));
        Path second = work.resolve("second");
        TrainRun.run(TrainRun.resolve("demo_cot_finetune", withBench), second, null, quiet);
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(second.resolve("eval.jsonl"))) {
            JsonNode n = JSON.readTree(line);
            if (n.has("cot_benchmark")) events.add(n);
        }
        assertThat(events).hasSize(1);              // evaluation.freq is beyond the run: only its end
        JsonNode e = events.getFirst();
        assertThat(e.get("step").asInt()).isEqualTo(2);
        assertThat(e.get("cot_benchmark").asText()).isEqualTo(benchFile.toString());
        assertThat(e.get("items").asInt()).isEqualTo(8);
        assertThat(e.get("answer_accuracy").asDouble()).isEqualTo(0.5);
        assertThat(e.get("structure_validity").asDouble()).isZero();
    }

    /** The greedy answers of a run's final model to the questions of a LLaVA json, as the trainer's Evaluator gives them. */
    static List<String> greedyAnswers(ObjectNode tree, Path checkpoint, JsonNode rows, Path imageFolder) throws Exception {
        RunConfig config = RunConfig.bind(tree, "test");
        DataConfig dataConfig = DataConfig.fromYamlSection(tree.get("data"));
        LlavaData.Parts parts = LlavaData.parts(dataConfig, Tokenizer.load(dataConfig.tokenizer()), ClipImageLoader.fromConfig(dataConfig));
        List<String> out = new ArrayList<>();
        try (LlavaForConditionalGeneration model = ModelSetup.build(config.model().withPretrained(checkpoint.toString()), "fp32",
                dataConfig.imageTokenIndex(), new Random(0))) {
            Evaluator evaluator = new Evaluator(model, parts.tokenizer(), parts.template(), parts.images(), config.evaluation().system(),
                    config.evaluation().maxNewTokens());
            for (JsonNode row : rows) {
                String question = row.at("/conversations/0/value").asText().replace("<image>\n", "");
                out.add(evaluator.answer(question, row.has("image") ? imageFolder.resolve(row.get("image").asText()) : null));
            }
        }
        return out;
    }
}

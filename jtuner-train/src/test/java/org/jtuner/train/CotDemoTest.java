package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.data.ClipImageLoader;
import org.jtuner.data.DataConfig;
import org.jtuner.data.LlavaData;
import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.GenerationModel;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;
import org.jtuner.generate.cot.ModelJudge;
import org.jtuner.generate.cot.StageBeamSearch;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.text.cot.CotStages;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.train.config.ConfigFiles;
import org.jtuner.train.config.RunConfig;
import org.jtuner.train.cot.CotScoring;
import org.jtuner.train.demo.CotDemo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jtuner demo --cot} at a reduced size (2,000 samples, 3 epochs in stages 0 and 2, 40 held-out questions),
 * with the recipe's augmentation: the untrained model writes no structure and no right answer; after the stages it
 * writes the four stages nearly always and answers well above chance. On the trained model, stage-level beam search
 * with one candidate gives exactly the greedy answer, and with three candidates, the model judging itself with the
 * paper's prompts, it takes three judgements per stage and still ends in a well-formed answer.
 */
class CotDemoTest {
    @Test
    void theStagedRecipeLearnsStructureAndAnswersAndBeamSearchRunsOnIt(@TempDir Path work) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        CotDemo.Result r = CotDemo.run(work, 2000, 40, true, 3, new PrintStream(log, true));
        String out = log.toString();
        assertThat(r.accuracyBefore()).isZero();
        assertThat(r.structureBefore()).isZero();
        assertThat(r.structureAfter()).as(out).isGreaterThanOrEqualTo(0.9);
        assertThat(r.accuracyAfter()).as(out).isGreaterThanOrEqualTo(0.5);
        assertThat(out.strip()).endsWith(String.format(Locale.ROOT,
                "structure validity before %.0f%% after %.0f%%", 100 * r.structureBefore(), 100 * r.structureAfter()));
        // the recipe trained with its augmentation and schedule
        JsonNode stage2 = ConfigFiles.YAML.readTree(work.resolve("stage2/config.yaml").toFile());
        assertThat(stage2.at("/data/augment/image/random_resized_crop/p").asDouble()).isEqualTo(0.5);
        assertThat(stage2.at("/data/augment/text/reword_p").asDouble()).isEqualTo(0.3);
        assertThat(stage2.at("/optim/scheduler").asText()).isEqualTo("linear");

        ObjectNode tree = (ObjectNode) ConfigFiles.YAML.readTree(work.resolve("stage2/config.yaml").toFile());
        RunConfig config = RunConfig.bind(tree, "stage2");
        DataConfig data = DataConfig.fromYamlSection(tree.get("data"));
        LlavaData.Parts parts = LlavaData.parts(data, Tokenizer.load(data.tokenizer()), ClipImageLoader.fromConfig(data));
        try (LlavaForConditionalGeneration model = ModelSetup.build(config.model().withPretrained(new Checkpoints(work.resolve("stage2")).latest().toString()),
                "fp32", data.imageTokenIndex(), new Random(0))) {
            Evaluator evaluator = new Evaluator(model, parts.tokenizer(), parts.template(), parts.images(), "", 100);
            Generator generator = new Generator(GenerationModel.of(model), parts.tokenizer());
            GenerationConfig greedy = GenerationConfig.greedy(100, List.of(parts.tokenizer().eosId())).withStopStrings(parts.template().stopWords());
            JsonNode test = new ObjectMapper().readTree(work.resolve("data/test.json").toFile());
            int checked = 0;
            for (int i = 0; i < 8; i++) {
                JsonNode row = test.get(i);
                if (!row.has("image")) continue;
                String question = row.at("/conversations/0/value").asText().replace("<image>\n", "");
                Path image = work.resolve("data").resolve(row.get("image").asText());
                Prompt prompt = new Prompt(evaluator.promptIds(question, true), List.of(parts.images().load(image)));
                StageBeamSearch.Result one = new StageBeamSearch(generator, 1).search(prompt, greedy, null,
                        (s, a, b) -> { throw new AssertionError("no judging with one candidate"); }, new SplittableRandom(0));
                assertThat(one.generation().text()).isEqualTo(evaluator.answer(question, image));
                assertThat(one.generation().tokens()).containsExactly(generator.generate(prompt, greedy, TextListener.NONE).tokens());

                ModelJudge judge = new ModelJudge(generator, (text, withImage) -> new Prompt(evaluator.promptIds(text, withImage),
                        withImage ? prompt.images() : List.of()), greedy.withMaxNewTokens(32), question, null);
                StageBeamSearch.Result three = new StageBeamSearch(generator, 3).search(prompt, greedy,
                        StageBeamSearch.paperSampling(greedy).withSeed(i), judge, new SplittableRandom(i));
                if (CotScoring.structureValid(three.generation().text())) {
                    assertThat(three.judgements()).isEqualTo(4 * 2);
                    checked++;
                }
                assertThat(CotStages.parse(three.generation().text()).contents()).isNotNull();
            }
            assertThat(checked).as("well-formed beam-searched answers").isGreaterThanOrEqualTo(3);
        }
        assertThat(Files.exists(work.resolve("stage1/metrics.jsonl"))).isTrue();
    }
}

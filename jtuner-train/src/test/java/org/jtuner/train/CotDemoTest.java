package org.jtuner.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
import org.jtuner.generate.cot.JudgePrompts;
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
 * paper's prompts, it takes two judgements per stage and still ends in a well-formed answer; every judgement asks
 * the paper's prompts for exactly the pair it is given and picks as the paper reads the reply, and each stage's
 * winner is what the next stage and the answer continue from. With a stub judge preferring the shorter candidate,
 * every stage, all four reached, keeps its shortest candidate.
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
            java.util.Set<CotStages.Stage> stubJudged = java.util.EnumSet.noneOf(CotStages.Stage.class);
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

                List<String> transcript = new ArrayList<>();
                ModelJudge judge = new ModelJudge(generator, (text, withImage) -> new Prompt(evaluator.promptIds(text, withImage),
                        withImage ? prompt.images() : List.of()), greedy.withMaxNewTokens(32), question, transcript);
                List<Call> calls = new ArrayList<>();
                StageBeamSearch.Judge recorded = (stage, a, b) -> {
                    int from = transcript.size();
                    int choice = judge.prefer(stage, a, b);
                    calls.add(new Call(stage, a, b, choice, List.copyOf(transcript.subList(from, transcript.size()))));
                    return choice;
                };
                StageBeamSearch.Result three = new StageBeamSearch(generator, 3).search(prompt, greedy,
                        StageBeamSearch.paperSampling(greedy).withSeed(i), recorded, new SplittableRandom(i));
                if (CotScoring.structureValid(three.generation().text())) {
                    assertThat(three.judgements()).isEqualTo(4 * 2);
                    checked++;
                }
                assertThat(CotStages.parse(three.generation().text()).contents()).isNotNull();
                for (Call c : calls) askedAsThePaperAndChoseAsItReads(c, question);
                keptEachStagesWinner(calls, parts.tokenizer().decode(three.generation().tokens(), true));

                // a stub judge preferring the shorter candidate (ties: the first): each stage keeps its shortest
                List<Call> stubCalls = new ArrayList<>();
                StageBeamSearch.Judge shorter = (stage, a, b) -> {
                    int choice = b.length() < a.length() ? 1 : 0;
                    stubCalls.add(new Call(stage, a, b, choice, List.of()));
                    return choice;
                };
                StageBeamSearch.Result stub = new StageBeamSearch(generator, 3).search(prompt, greedy,
                        StageBeamSearch.paperSampling(greedy).withSeed(100 + i), shorter, new SplittableRandom(i));
                Map<CotStages.Stage, String> winners = keptEachStagesWinner(stubCalls, parts.tokenizer().decode(stub.generation().tokens(), true));
                winners.forEach((stage, won) -> assertThat(won.length()).as("%s", stage).isEqualTo(stubCalls.stream()
                        .filter(c -> c.stage() == stage).flatMap(c -> java.util.stream.Stream.of(c.first(), c.second()))
                        .mapToInt(String::length).min().orElseThrow()));
                stubJudged.addAll(winners.keySet());
            }
            assertThat(checked).as("well-formed beam-searched answers").isGreaterThanOrEqualTo(3);
            assertThat(stubJudged).as("stages the stub judged").containsExactlyInAnyOrder(CotStages.Stage.values());
        }
        assertThat(Files.exists(work.resolve("stage1/metrics.jsonl"))).isTrue();
    }

    /** One judgement of a search: the pair, the choice, and the judge's prompts and replies (alternating). */
    record Call(CotStages.Stage stage, String first, String second, int choice, List<String> asked) {}

    /** The judge asked the paper's prompts (JudgePromptsTest: byte for byte the paper's) and chose as the paper reads the replies. */
    static void askedAsThePaperAndChoseAsItReads(Call c, String question) {
        List<String> asked = c.asked();
        if (c.stage() == CotStages.Stage.REASONING) {
            List<String> checks = JudgePrompts.reasoningChecks(c.first(), c.second());
            if (!checks.isEmpty()) {
                assertThat(asked.get(0)).isEqualTo(checks.get(0));
                if (JudgePrompts.judgedIncorrect(asked.get(1))) {
                    assertThat(asked).hasSize(2);
                    assertThat(c.choice()).as("the first reasoning judged incorrect loses").isEqualTo(1);
                    return;
                }
                assertThat(asked.get(2)).isEqualTo(checks.get(1));
                if (JudgePrompts.judgedIncorrect(asked.get(3))) {
                    assertThat(asked).hasSize(4);
                    assertThat(c.choice()).as("the second reasoning judged incorrect loses").isZero();
                    return;
                }
                asked = asked.subList(4, asked.size());
            }
        }
        assertThat(asked).hasSize(2);
        assertThat(asked.get(0)).isEqualTo(JudgePrompts.comparison(c.stage(), question, c.first(), c.second()));
        assertThat(c.choice()).isEqualTo(asked.get(1).contains("I choose response 1") ? 0 : 1);
    }

    /**
     * Each stage's knockout winner (the pick of its last judgement) is what the search kept: the next stage's
     * candidates and the final answer go on from it. Returns the winners.
     */
    static Map<CotStages.Stage, String> keptEachStagesWinner(List<Call> calls, String answer) {
        Map<CotStages.Stage, String> winners = new java.util.EnumMap<>(CotStages.Stage.class);
        for (Call c : calls) winners.put(c.stage(), c.choice() == 0 ? c.first() : c.second());
        for (Call c : calls) {
            int previous = c.stage().ordinal() - 1;
            if (previous < 0) continue;
            String kept = winners.get(CotStages.Stage.values()[previous]);
            assertThat(kept).as("a %s judgement without one of the stage before", c.stage()).isNotNull();
            assertThat(c.first()).startsWith(kept);
            assertThat(c.second()).startsWith(kept);
        }
        winners.forEach((stage, won) -> {
            if (won.contains(stage.close())) assertThat(answer).as("%s", stage).startsWith(won);
        });
        return winners;
    }
}

package org.jtuner.generate.cot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.GenerationModel;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;
import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.testing.Fixtures;
import org.jtuner.text.cot.CotStages.Stage;
import org.jtuner.text.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

/**
 * Stage-level beam search's control flow on tiny-llama (random weights, llama2's tokenizer): with one candidate it
 * is the plain decoding; with N it asks the judge N - 1 times and keeps the candidate the judge prefers over all
 * others (here a stub preferring the shorter text, ties to the first). Staged runs on a trained model are in
 * jtuner-train's CotDemoTest; the comparison prompts are checked against the paper's text in JudgePromptsTest.
 */
class StageBeamSearchTest {
    static final int[] PROMPT = {1, 17, 250, 33, 5, 99, 140};

    @Test
    void oneCandidateIsPlainDecodingAndNCandidatesKeepTheOneTheJudgePrefers() throws Exception {
        try (LlamaForCausalLM m = LlamaForCausalLM.load(Fixtures.path("tiny-llama"))) {
            Tokenizer tok = Tokenizer.load(Fixtures.path("tokenizers", "llama2"));
            Generator g = new Generator(GenerationModel.of(m), tok);
            GenerationConfig greedy = GenerationConfig.greedy(24, List.of());
            Generation plain = g.generate(Prompt.text(PROMPT), greedy, TextListener.NONE);
            StageBeamSearch.Judge never = (s, a, b) -> {
                throw new AssertionError("one candidate needs no judgement");
            };
            StageBeamSearch.Result one = new StageBeamSearch(g, 1).search(Prompt.text(PROMPT), greedy, null, never, new SplittableRandom(1));
            assertThat(one.generation().tokens()).containsExactly(plain.tokens());
            assertThat(one.generation().text()).isEqualTo(plain.text());
            assertThat(one.judgements()).isZero();

            GenerationConfig sampling = StageBeamSearch.paperSampling(greedy.withMaxNewTokens(12)).withSeed(3);
            List<String> seen = new ArrayList<>();
            StageBeamSearch.Judge shorter = (stage, a, b) -> {
                assertThat(stage).isEqualTo(Stage.SUMMARY); // a random model never closes the first stage
                seen.add(a);
                seen.add(b);
                return b.length() < a.length() ? 1 : 0;
            };
            int n = 6;
            StageBeamSearch.Result six = new StageBeamSearch(g, n).search(Prompt.text(PROMPT), greedy.withMaxNewTokens(12), sampling,
                    shorter, new SplittableRandom(1));
            assertThat(six.judgements()).isEqualTo(n - 1);
            List<String> candidates = seen.stream().distinct().toList();
            assertThat(candidates.size()).as("the sampled candidates differ").isGreaterThan(2);
            int shortest = candidates.stream().mapToInt(String::length).min().orElseThrow();
            assertThat(tok.decode(six.generation().tokens(), true)).hasSize(shortest);
            // the candidates are the sampler's: the same seed gives the same search
            StageBeamSearch.Result again = new StageBeamSearch(g, n).search(Prompt.text(PROMPT), greedy.withMaxNewTokens(12), sampling,
                    shorter, new SplittableRandom(1));
            assertThat(again.generation().tokens()).containsExactly(six.generation().tokens());
        }
    }

    @Test
    void aBeamBelowOneIsRefused() throws Exception {
        try (LlamaForCausalLM m = LlamaForCausalLM.load(Fixtures.path("tiny-llama"))) {
            Generator g = new Generator(GenerationModel.of(m), Tokenizer.load(Fixtures.path("tokenizers", "llama2")));
            assertThatThrownBy(() -> new StageBeamSearch(g, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--stage-beam");
        }
    }
}

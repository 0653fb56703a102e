package org.jtuner.generate.cot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.random.RandomGenerator;

import org.jtuner.generate.FinishReason;
import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;
import org.jtuner.generate.TextStream;
import org.jtuner.text.cot.CotStages.Stage;

/**
 * LLaVA-CoT's stage-level beam search ({@code generate_inner_stage_beam} in the paper's
 * {@code inference/VLMEvalKit/inference_demo.py}): for each stage in turn, sample {@code beam} candidate
 * continuations of the answer so far, each stopping at that stage's closing tag; knock them out in random pairs,
 * the {@link Judge} keeping one of each pair, until one is left; append it and go on to the next stage. The search
 * ends after the conclusion (what follows it, normally just the end token, is decoded plainly), or earlier when a
 * candidate ends the answer (an end token, a template stop word, the token budget). With {@code beam = 1} each stage is one plain decoding of the given config, so greedy in gives
 * exactly greedy decoding out.
 *
 * <p>Candidates continue from the chosen tokens themselves, never from re-encoded text, so a stage boundary that
 * falls inside a token changes nothing.
 */
public final class StageBeamSearch {
    /** Prefers one of two candidates for a stage; each is the whole answer so far with that stage last. */
    @FunctionalInterface
    public interface Judge {
        /** 0 for {@code first}, 1 for {@code second}. */
        int prefer(Stage stage, String first, String second);
    }

    /** One finished search: the answer (as a Generation of the whole prompt) and how many judgements it took. */
    public record Result(Generation generation, int judgements) {}

    /** The paper's sampling for candidates: temperature 0.6, top-p 0.9. */
    public static GenerationConfig paperSampling(GenerationConfig base) {
        return new GenerationConfig(base.maxNewTokens(), true, 0.6, 0, 0.9, 1.0, base.seed(), base.eosIds(), base.stopStrings());
    }

    private final Generator generator;
    private final int beam;

    public StageBeamSearch(Generator generator, int beam) {
        if (beam < 1) throw new IllegalArgumentException("--stage-beam must be at least 1, got " + beam);
        if (generator.tokenizer() == null) throw new IllegalArgumentException("stage-level beam search needs a tokenizer");
        this.generator = generator;
        this.beam = beam;
    }

    /**
     * Searches an answer to {@code prompt}. {@code config} decodes each stage when {@code beam} is 1; with more,
     * {@code candidates} samples them (its seed advanced per stage). {@code pairing} picks the knockout pairs.
     */
    public Result search(Prompt prompt, GenerationConfig config, GenerationConfig candidates, Judge judge, RandomGenerator pairing) {
        int[] answer = new int[0];
        int judgements = 0;
        FinishReason finish = FinishReason.LENGTH;
        boolean open = true;
        Stage[] stages = Stage.values();
        for (int s = 0; s < stages.length; s++) {
            Stage stage = stages[s];
            int left = config.maxNewTokens() - answer.length;
            if (left <= 0) break;
            GenerationConfig base = beam == 1 ? config : candidates.withSeed(candidates.seed() + s);
            GenerationConfig stageConfig = base.withMaxNewTokens(left).withStopStrings(List.of(stage.close()));
            Prompt continued = prompt.withIds(concat(prompt.ids(), answer));
            List<Generation> sampled = generator.generate(Collections.nCopies(beam, continued), stageConfig, TextListener.NONE);
            List<Candidate> pool = new ArrayList<>();
            for (Generation g : sampled) {
                int[] tokens = concat(answer, g.tokens());
                pool.add(new Candidate(tokens, generator.tokenizer().decode(tokens, true), g));
            }
            while (pool.size() > 1) {
                Candidate a = pool.remove(pairing.nextInt(pool.size()));
                Candidate b = pool.remove(pairing.nextInt(pool.size()));
                pool.add(judge.prefer(stage, a.text(), b.text()) == 0 ? a : b);
                judgements++;
            }
            Candidate best = pool.getFirst();
            answer = best.tokens();
            finish = best.generation().finishReason();
            boolean closedStage = !endsAnswer(best.generation(), config) && finish == FinishReason.STOP;
            if (!closedStage) {
                open = false;
                break;
            }
        }
        int left = config.maxNewTokens() - answer.length;
        if (open && left > 0) {
            // after the conclusion, what the model writes until it ends (its end token), decoded plainly
            Generation tail = generator.generate(prompt.withIds(concat(prompt.ids(), answer)),
                    config.withMaxNewTokens(left), TextListener.NONE);
            answer = concat(answer, tail.tokens());
            finish = tail.finishReason();
        }
        return new Result(new Generation(answer, text(answer, config), finish, prompt.ids().length), judgements);
    }

    private record Candidate(int[] tokens, String text, Generation generation) {}

    /** True when the stage's decoding ended the whole answer: an end token, or a stop word of the caller's config. */
    private boolean endsAnswer(Generation g, GenerationConfig config) {
        int[] t = g.tokens();
        if (t.length > 0 && config.eosIds().contains(t[t.length - 1])) return true;
        if (g.finishReason() != FinishReason.STOP) return true;
        TextStream replay = new TextStream(generator.tokenizer(), config.stopStrings());
        for (int id : t) {
            replay.add(id);
            if (replay.stopped()) return true;
        }
        return false;
    }

    /** The answer's text as one decoding of all its tokens would give it: end tokens dropped, cut at a stop word. */
    private String text(int[] tokens, GenerationConfig config) {
        TextStream stream = new TextStream(generator.tokenizer(), config.stopStrings());
        for (int id : tokens) {
            if (config.eosIds().contains(id)) break;
            stream.add(id);
            if (stream.stopped()) break;
        }
        stream.finish();
        return stream.text();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

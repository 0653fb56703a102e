package org.jtuner.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.tensor.Scope;
import org.jtuner.tensor.autograd.Autograd;
import org.jtuner.text.tokenizer.Tokenizer;

/**
 * Generates continuations of a batch of prompts with one prefill and then one cached step per token, as
 * transformers' generate does: rows are left-padded to the longest prompt, the attention mask hides the padding,
 * position ids count real tokens only (cumsum(mask) - 1, padding at 1), and each step feeds the batch's newest
 * tokens against the key/value cache. A row that has finished keeps being fed (its output is no longer read) until
 * every row has finished or max_new_tokens is reached.
 *
 * <p>The repetition penalty sees the prompt's text tokens (not the image tokens) and the generated ones.
 */
public final class Generator {
    private final GenerationModel model;
    private final Tokenizer tokenizer; // null: tokens only, no text and no stop strings

    public Generator(GenerationModel model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    public GenerationModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Generation generate(Prompt prompt, GenerationConfig config, TextListener listener) {
        return generate(List.of(prompt), config, listener).getFirst();
    }

    public List<Generation> generate(List<Prompt> prompts, GenerationConfig config, TextListener listener) {
        if (prompts.isEmpty()) return List.of();
        if (tokenizer == null && !config.stopStrings().isEmpty()) {
            throw new IllegalArgumentException("stop strings need a tokenizer to decode the text");
        }
        int b = prompts.size();
        TokenSampler sampler = new TokenSampler(config);
        int[] lengths = prompts.stream().mapToInt(p -> p.ids().length).toArray();
        int longest = Arrays.stream(lengths).max().orElseThrow();

        Row[] rows = new Row[b];
        for (int r = 0; r < b; r++) rows[r] = new Row(prompts.get(r), config);
        int[] mask = new int[b * longest];
        int[] positions = new int[b * longest];
        for (int r = 0; r < b; r++) {
            int pad = longest - lengths[r];
            for (int j = 0; j < longest; j++) {
                mask[r * longest + j] = j < pad ? 0 : 1;
                positions[r * longest + j] = j < pad ? 1 : j - pad;
            }
        }
        boolean training = model.module().isTraining();
        model.module().train(false);
        try (AutoCloseable ng = Autograd.noGrad(); Decoding decoding = model.decoding()) {
            float[][] logits;
            try (Scope step = Scope.open()) {
                logits = decoding.prefill(prompts, longest, mask, positions);
            }
            int width = longest;
            for (int n = 0; n < config.maxNewTokens(); n++) {
                boolean open = false;
                for (int r = 0; r < b; r++) {
                    if (rows[r].finish == null) rows[r].take(sampler.next(logits[r], rows[r].seen, rows[r].seenCount), r, listener);
                    open |= rows[r].finish == null;
                }
                if (!open || n + 1 == config.maxNewTokens()) break;
                int[] next = new int[b], pos = new int[b];
                int[] grown = new int[b * (width + 1)];
                for (int r = 0; r < b; r++) {
                    next[r] = rows[r].last();
                    pos[r] = lengths[r] + rows[r].count - 1;
                    System.arraycopy(mask, r * width, grown, r * (width + 1), width);
                    grown[r * (width + 1) + width] = 1;
                }
                mask = grown;
                width++;
                try (Scope step = Scope.open()) {
                    logits = decoding.step(next, mask, width, pos);
                }
            }
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            model.module().train(training);
        }
        List<Generation> out = new ArrayList<>(b);
        for (int r = 0; r < b; r++) out.add(rows[r].result(r, listener));
        return out;
    }

    /** One row's state: its tokens, the ids the repetition penalty sees, its text stream, and whether it finished. */
    private final class Row {
        final GenerationConfig config;
        final int promptTokens;
        final TextStream text;
        int[] tokens = new int[16];
        int count;
        int[] seen;
        int seenCount;
        FinishReason finish;

        Row(Prompt prompt, GenerationConfig config) {
            this.config = config;
            this.promptTokens = prompt.ids().length;
            this.text = tokenizer == null ? null : new TextStream(tokenizer, config.stopStrings());
            seen = new int[prompt.ids().length + 16];
            for (int id : prompt.ids()) if (id != model.imageTokenIndex()) seen[seenCount++] = id;
        }

        void take(int id, int row, TextListener listener) {
            if (count == tokens.length) tokens = Arrays.copyOf(tokens, count * 2);
            tokens[count++] = id;
            if (seenCount == seen.length) seen = Arrays.copyOf(seen, seenCount * 2);
            seen[seenCount++] = id;
            if (config.eosIds().contains(id)) {
                finish = FinishReason.STOP;
            } else if (text != null) {
                String delta = text.add(id);
                if (!delta.isEmpty()) listener.onText(row, delta);
                if (text.stopped()) finish = FinishReason.STOP;
            }
            if (finish == null && count == config.maxNewTokens()) finish = FinishReason.LENGTH;
        }

        int last() {
            return tokens[count - 1];
        }

        Generation result(int row, TextListener listener) {
            if (finish == null) finish = FinishReason.LENGTH; // max_new_tokens 0
            String out = null;
            if (text != null) {
                String rest = text.finish();
                if (!rest.isEmpty()) listener.onText(row, rest);
                out = text.text();
            }
            return new Generation(Arrays.copyOf(tokens, count), out, finish, promptTokens);
        }
    }
}

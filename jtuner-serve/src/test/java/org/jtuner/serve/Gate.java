package org.jtuner.serve;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Generator;
import org.jtuner.generate.Prompt;
import org.jtuner.generate.TextListener;

/**
 * Passes batches to the model's generator, recording their sizes; the first batch waits, before it starts or after
 * its first piece of text, until {@link #open} is called. It holds the worker busy so that tests can fill the queue,
 * or pause a stream half way.
 */
final class Gate implements ServedModel.BatchGeneration {
    final List<Integer> sizes = Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch entered = new CountDownLatch(1), release = new CountDownLatch(1);
    private final AtomicBoolean first = new AtomicBoolean(true);
    private final Generator generator;
    private final boolean afterFirstText;

    Gate(Generator generator, boolean afterFirstText) {
        this.generator = generator;
        this.afterFirstText = afterFirstText;
    }

    @Override
    public List<Generation> generate(List<Prompt> prompts, GenerationConfig config, TextListener listener) {
        sizes.add(prompts.size());
        boolean held = first.getAndSet(false);
        if (held && !afterFirstText) await();
        AtomicBoolean waited = new AtomicBoolean(!held);
        return generator.generate(prompts, config, (row, text) -> {
            listener.onText(row, text);
            if (!waited.getAndSet(true)) await();
        });
    }

    private void await() {
        entered.countDown();
        try {
            if (!release.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("the gate was never opened");
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    void open() {
        release.countDown();
    }
}

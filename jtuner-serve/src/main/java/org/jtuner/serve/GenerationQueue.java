package org.jtuner.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

import org.jtuner.generate.Generation;
import org.jtuner.generate.GenerationConfig;
import org.jtuner.generate.Prompt;

/**
 * Puts requests onto the model: a bounded queue (a request that finds it full is refused with 503) and one worker
 * thread that takes what is waiting, up to {@code maxBatch} requests, and generates them together. Greedy requests
 * with the same settings share one batch (one left-padded prefill, one cached step per token for all); a sampled
 * request runs alone, so that its seed gives the same answer whoever else is asking.
 */
final class GenerationQueue implements AutoCloseable {
    /** One request's work: its prompt and settings, its text as it comes (for streaming) and its result. */
    static final class Job {
        final Prompt prompt;
        final GenerationConfig config;
        final BlockingQueue<String> text = new LinkedBlockingQueue<>();
        final CompletableFuture<Generation> result = new CompletableFuture<>();
        volatile boolean abandoned; // the client went away before its turn

        Job(Prompt prompt, GenerationConfig config) {
            this.prompt = prompt;
            this.config = config;
        }
    }

    private final ServedModel.BatchGeneration generation;
    private final int maxBatch;
    private final BlockingQueue<Job> waiting;
    private final Thread worker;

    GenerationQueue(ServedModel.BatchGeneration generation, int maxBatch, int maxQueue) {
        this.generation = generation;
        this.maxBatch = maxBatch;
        this.waiting = new ArrayBlockingQueue<>(maxQueue);
        // A platform thread: generation is long CPU work with its own parallel kernels, nothing to gain from a virtual one.
        this.worker = Thread.ofPlatform().name("jtuner-serve-generation").daemon().start(this::work);
    }

    /** Queues a job, or refuses it with 503 when the queue is full. */
    Job submit(Prompt prompt, GenerationConfig config) {
        Job job = new Job(prompt, config);
        if (!waiting.offer(job)) {
            throw new ApiException(503, "server_overloaded", null, "the server is busy: " + (waiting.size())
                    + " requests are already waiting (--max-queue); retry later");
        }
        return job;
    }

    private void work() {
        while (!Thread.currentThread().isInterrupted()) {
            List<Job> round = new ArrayList<>();
            try {
                round.add(waiting.take());
            } catch (InterruptedException e) {
                break;
            }
            waiting.drainTo(round, maxBatch - 1);
            for (List<Job> batch : batches(round)) run(batch);
        }
        for (Job j : waiting) j.result.completeExceptionally(new ApiException(503, "server_error", null, "the server is shutting down"));
    }

    /** The round's jobs grouped into batches: greedy jobs by equal settings, each sampled job alone. */
    private static List<List<Job>> batches(List<Job> round) {
        Map<Object, List<Job>> groups = new LinkedHashMap<>();
        for (Job j : round) {
            if (j.abandoned) {
                j.result.cancel(false);
                continue;
            }
            Object key = j.config.doSample() ? j : j.config;
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(j);
        }
        return new ArrayList<>(groups.values());
    }

    private void run(List<Job> batch) {
        try {
            List<Generation> out = generation.generate(batch.stream().map(j -> j.prompt).toList(), batch.getFirst().config,
                    (row, delta) -> batch.get(row).text.add(delta));
            for (int i = 0; i < batch.size(); i++) batch.get(i).result.complete(out.get(i));
        } catch (RuntimeException | Error e) {
            System.err.println("serve: generation failed for a batch of " + batch.size() + ": " + e);
            for (Job j : batch) j.result.completeExceptionally(e);
        }
    }

    /** Requests waiting for their turn (not counting the batch being generated). */
    int waiting() {
        return waiting.size();
    }

    /** Stops the worker once its batch in progress is done (waiting at most 30 s), so the model can be closed. */
    @Override
    public void close() {
        worker.interrupt();
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

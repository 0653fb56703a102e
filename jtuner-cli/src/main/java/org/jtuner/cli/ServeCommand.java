package org.jtuner.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.jtuner.serve.ChatServer;
import org.jtuner.serve.ServeOptions;
import org.jtuner.serve.ServedModel;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jtuner serve}: the model (as {@code jtuner chat} takes it) behind an OpenAI-compatible HTTP server with a
 * web chat page, until the process is stopped (Ctrl-C).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model with OpenAI's Chat Completions API (/v1/chat/completions, /v1/models) and a web chat page at /.",
                "The model is given as to jtuner chat: a jtuner work dir, a LLaVA folder, an LLM folder, or XTuner's pieces."})
final class ServeCommand implements Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "A jtuner work dir (config.yaml + checkpoints), a LLaVA folder or an LLM folder.")
    Path model;

    @Option(names = "--llava", paramLabel = "DIR", description = "A jtuner work dir or LLaVA folder (instead of MODEL), or an XTuner release folder with MODEL the base LLM.")
    Path llava;

    @Option(names = "--visual-encoder", paramLabel = "DIR", description = "The CLIP vision tower for an XTuner release folder that has no visual_encoder/.")
    Path visualEncoder;

    @Option(names = "--visual-select-layer", defaultValue = "-2", description = "The vision layer an XTuner release's projector reads (default: ${DEFAULT-VALUE}).")
    int visualSelectLayer;

    @Option(names = "--prompt-template", paramLabel = "NAME", description = "An XTuner prompt template (default: the work dir's, else the tokenizer's chat template).")
    String promptTemplate;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "The model's name in the API (default: the folder's name).")
    String servedName;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "The address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 opens it to the network).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "The port (default: ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY", defaultValue = "${env:JTUNER_API_KEY}",
            description = "Every /v1 request must send Authorization: Bearer KEY, else 401 (default: $JTUNER_API_KEY, else none).")
    String apiKey;

    @Option(names = "--allowed-local-media-path", paramLabel = "DIR",
            description = "The one folder file: image URLs may point into (default: none, file: URLs are refused).")
    Path allowedLocalMediaPath;

    @Option(names = "--max-batch", defaultValue = "8", description = "Most requests generated together (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-queue", defaultValue = "64", description = "Most requests waiting; more get 503 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--max-request-bytes", defaultValue = "20971520", description = "Largest request body; larger get 413 (default: ${DEFAULT-VALUE}).")
    long maxRequestBytes;

    @Option(names = "--max-tokens", defaultValue = "512", description = "Answer length when a request gives no max_tokens (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    private final CountDownLatch stopped = new CountDownLatch(1);
    volatile ChatServer server; // once listening

    @Override
    public Integer call() throws Exception {
        ServeOptions options = new ServeOptions(host, port, apiKey, allowedLocalMediaPath, maxBatch, maxQueue, maxRequestBytes, maxTokens);
        try (ChatModel m = ChatModel.open(model, llava, visualEncoder, visualSelectLayer, promptTemplate)) {
            Integer eos = m.generator.tokenizer().eosId();
            Path dir = llava != null ? llava : model;
            String name = servedName != null ? servedName : dir.toAbsolutePath().normalize().getFileName().toString();
            ServedModel served = new ServedModel(name, m.prompts, m.preprocess, eos == null ? List.of() : List.of(eos),
                    m.prompts.stopWords(), m.generator::generate);
            try (ChatServer s = ChatServer.start(served, options)) {
                server = s;
                Thread hook = new Thread(this::stop, "jtuner-serve-shutdown");
                Runtime.getRuntime().addShutdownHook(hook);
                System.err.println("serve: " + name + " at " + s.uri() + " (OpenAI API under " + s.uri().resolve("/v1")
                        + ", chat page at " + s.uri() + ")" + (options.apiKey() != null ? ", API key required" : "") + "; Ctrl-C stops");
                stopped.await();
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is what stopped us
                }
            }
        }
        return 0;
    }

    /** Ends {@link #call}: the server stops listening and the model is closed. */
    void stop() {
        stopped.countDown();
    }
}

package org.jtuner.text.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The jtuner side of {@code bench/tokenizer.sh}. Encodes a JSON-lines file of documents with each tokenizer, in
 * one batch over all cores and on one thread, and times the reference the same way through a helper process
 * ({@code bench/tokenizer/npm-bench.js}, Hugging Face's Rust tokenizers). Runs of the two alternate, so both see the
 * same machine load; the best run of each counts. The ids of both are compared document by document.
 *
 * <pre>TokenizerBench &lt;text.jsonl&gt; &lt;work dir&gt; &lt;reps&gt; &lt;tokenizer dir&gt;... -- &lt;reference command...&gt;</pre>
 * Exits with status 1 when any document's ids differ.
 */
public final class TokenizerBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WARM_UP_NANOS = 5_000_000_000L;

    private TokenizerBench() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        int dash = Arrays.asList(args).indexOf("--");
        if (args.length < 4 || dash < 4 || dash == args.length - 1) {
            System.err.println("usage: TokenizerBench <text.jsonl> <work dir> <reps> <tokenizer dir>... -- <reference command...>");
            System.exit(2);
        }
        List<String> docs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8)) {
            if (!line.isEmpty()) docs.add(JSON.readValue(line, String.class));
        }
        double megabytes = docs.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum() / 1e6;
        Path work = Path.of(args[1]);
        int reps = Integer.parseInt(args[2]);
        List<String> dirs = Arrays.asList(args).subList(3, dash);
        Process reference = new ProcessBuilder(Arrays.asList(args).subList(dash + 1, args.length))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var toReference = new PrintWriter(reference.getOutputStream(), true, StandardCharsets.UTF_8);
             var fromReference = new BufferedReader(new InputStreamReader(reference.getInputStream(), StandardCharsets.UTF_8))) {
            Helper helper = new Helper(toReference, fromReference);
            System.out.printf("%.2f MB of mixed text in %d documents, %d cores, best of %d alternating runs, MB/s%n",
                    megabytes, docs.size(), Runtime.getRuntime().availableProcessors(), reps);
            System.out.printf("%-8s %12s %12s %10s | %13s %10s | %10s %10s%n", "", "jtuner batch", "tokenizers", "ratio",
                    "jtuner 1-thr", "mismatches", "load s", "ref load s");
            boolean allMatch = true;
            for (String d : dirs) allMatch &= run(Path.of(d), docs, megabytes, reps, work, helper);
            toReference.println("quit");
            if (!allMatch) {
                System.out.println("ids differ from the reference");
                System.exit(1);
            }
        } finally {
            reference.destroy();
        }
    }

    private static boolean run(Path dir, List<String> docs, double megabytes, int reps, Path work, Helper reference)
            throws IOException {
        String name = dir.getFileName().toString();
        long t0 = System.nanoTime();
        Tokenizer tok = Tokenizer.load(dir);
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        double referenceLoad = Double.parseDouble(reference.ask("load " + name + " " + dir.toAbsolutePath()).substring(3));

        // Warm-up: the JIT needs a few seconds; the reference gets a run too.
        List<int[]> ids = tok.encodeBatch(docs, false);
        long warmStart = System.nanoTime();
        while (System.nanoTime() - warmStart < WARM_UP_NANOS) ids = tok.encodeBatch(docs, false);
        reference.ask("run " + name);

        double best = Double.MAX_VALUE, referenceBest = Double.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            referenceBest = Math.min(referenceBest, Double.parseDouble(reference.ask("run " + name)));
            long start = System.nanoTime();
            ids = tok.encodeBatch(docs, false);
            best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        double single = Double.MAX_VALUE;
        for (int r = 0; r < Math.max(1, reps / 2); r++) {
            long start = System.nanoTime();
            for (String d : docs) tok.encode(d, false);
            single = Math.min(single, (System.nanoTime() - start) / 1e9);
        }

        Path idsFile = work.resolve(name + ".ids");
        reference.ask("ids " + name + " " + idsFile.toAbsolutePath());
        int bad = compare(docs, ids, readIds(idsFile, docs.size()), tok);
        System.out.printf("%-8s %12.2f %12.2f %9.2fx | %13.2f %10d | %10.2f %10.2f%n", name, megabytes / best,
                megabytes / referenceBest, referenceBest / best, megabytes / single, bad, loadSeconds, referenceLoad);
        return bad == 0;
    }

    /** One request, one line of answer. */
    private record Helper(PrintWriter out, BufferedReader in) {
        String ask(String command) throws IOException {
            out.println(command);
            String answer = in.readLine();
            if (answer == null) throw new IOException("the reference process stopped (command: " + command + ")");
            return answer;
        }
    }

    /** Counts the documents whose ids differ from the reference and describes the first few. */
    private static int compare(List<String> docs, List<int[]> ours, List<int[]> theirs, Tokenizer tok) {
        int bad = 0;
        for (int i = 0; i < docs.size(); i++) {
            int[] a = ours.get(i), b = theirs.get(i);
            if (Arrays.equals(a, b)) continue;
            if (bad++ < 3) {
                int p = 0;
                while (p < Math.min(a.length, b.length) && a[p] == b[p]) p++;
                System.out.printf("  document %d differs at token %d: jtuner %s, tokenizers %s%n", i, p,
                        window(a, p, tok), window(b, p, tok));
            }
        }
        return bad;
    }

    private static String window(int[] ids, int at, Tokenizer tok) {
        List<String> out = new ArrayList<>();
        for (int i = Math.max(0, at - 2); i < Math.min(ids.length, at + 4); i++) out.add(ids[i] + ":" + tok.idToToken(ids[i]));
        return out.toString();
    }

    private static List<int[]> readIds(Path file, int documents) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<int[]> out = new ArrayList<>(documents);
        while (buf.remaining() >= 4) {
            int[] ids = new int[buf.getInt()];
            for (int i = 0; i < ids.length; i++) ids[i] = buf.getInt();
            out.add(ids);
        }
        if (out.size() != documents) throw new IOException(file + ": " + out.size() + " documents, expected " + documents);
        return out;
    }
}

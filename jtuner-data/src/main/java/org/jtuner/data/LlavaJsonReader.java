package org.jtuner.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Streams the rows of a LLaVA data file: a {@code .json} file holding one list of rows, or a {@code .jsonl} file
 * with one row per line (blank lines ignored). Each row becomes a {@link RawSample} or, when it is not a LLaVA
 * row, a {@link Problem} with its line; reading goes on after a bad line of a {@code .jsonl} file, but stops at the
 * first syntax error of a {@code .json} file (the rest of a broken list cannot be told apart).
 */
public final class LlavaJsonReader {
    /** Receives the rows of a file in order. */
    public interface Sink {
        void sample(RawSample sample);

        void problem(Problem problem);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static {
        // LLaVA rows can hold long texts; Jackson's default caps one string at 20 M characters, which is enough,
        // but a .json list is one document of any size, so only the nesting depth and string size are capped.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxStringLength(200_000_000).build());
    }

    private LlavaJsonReader() {}

    /**
     * Reads every row of {@code file} into {@code sink}.
     *
     * @throws IOException when the file cannot be opened or read, or its name ends in neither .json nor .jsonl
     */
    public static void read(Path file, Sink sink) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl")) {
            readJsonl(file, sink);
        } else if (name.endsWith(".json")) {
            readJsonList(file, sink);
        } else {
            throw new IOException(file + ": a LLaVA data file must be .json (a list of rows) or .jsonl (one row per line)");
        }
    }

    private static void readJsonl(Path file, Sink sink) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String text;
            long line = 0;
            while ((text = in.readLine()) != null) {
                line++;
                if (line == 1 && text.startsWith("\uFEFF")) text = text.substring(1);
                if (text.isBlank()) continue;
                JsonNode row;
                try {
                    row = MAPPER.readTree(text);
                } catch (JsonProcessingException e) {
                    JsonLocation at = e.getLocation();
                    sink.problem(new Problem(ProblemKind.MALFORMED_JSON, new SourceRef(file, line, null),
                            clean(e.getOriginalMessage()) + (at != null ? " at column " + at.getColumnNr() : "")));
                    continue;
                }
                row(row, file, line, sink);
            }
        }
    }

    private static void readJsonList(Path file, Sink sink) throws IOException {
        try (InputStream raw = Files.newInputStream(file); JsonParser p = MAPPER.createParser(raw)) {
            long line = 1;
            try {
                JsonToken first = p.nextToken();
                if (first == null) {
                    sink.problem(new Problem(ProblemKind.MALFORMED_JSON, new SourceRef(file, 1, null), "empty file"));
                    return;
                }
                if (first != JsonToken.START_ARRAY) {
                    sink.problem(new Problem(ProblemKind.MALFORMED_JSON, new SourceRef(file, p.currentTokenLocation().getLineNr(), null),
                            "a .json data file must hold a list of rows (use .jsonl for one row per line), found " + first.asString()));
                    return;
                }
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) throw new JsonParseEnd(p);
                    line = p.currentTokenLocation().getLineNr();
                    JsonNode row = MAPPER.readTree(p);
                    row(row, file, line, sink);
                }
            } catch (JsonProcessingException e) {
                JsonLocation at = e.getLocation();
                long where = at != null && at.getLineNr() > 0 ? at.getLineNr() : line;
                sink.problem(new Problem(ProblemKind.MALFORMED_JSON, new SourceRef(file, where, null),
                        clean(e.getOriginalMessage()) + (at != null ? " at column " + at.getColumnNr() : "") + "; the rest of the file is not read"));
            }
        }
    }

    /** A list that ends without its closing bracket. */
    private static final class JsonParseEnd extends JsonProcessingException {
        JsonParseEnd(JsonParser p) {
            super("unexpected end of file: the list is not closed", p.currentLocation());
        }
    }

    /** Turns one parsed row into a sample or a problem. */
    static void row(JsonNode row, Path file, long line, Sink sink) {
        if (!row.isObject()) {
            sink.problem(new Problem(ProblemKind.BAD_ROW, new SourceRef(file, line, null), "a row must be a JSON object, got " + kind(row)));
            return;
        }
        JsonNode idNode = row.get("id");
        String id = idNode == null || idNode.isNull() ? null : idNode.isValueNode() ? idNode.asText() : idNode.toString();
        SourceRef source = new SourceRef(file, line, id);
        List<String> images = new ArrayList<>();
        JsonNode image = row.get("image");
        if (image != null && !image.isNull()) {
            if (image.isTextual()) {
                images.add(image.asText());
            } else if (image.isArray()) {
                for (JsonNode e : image) {
                    if (!e.isTextual()) {
                        sink.problem(new Problem(ProblemKind.BAD_ROW, source, "\"image\" must be a path or a list of paths, found " + kind(e) + " in the list"));
                        return;
                    }
                    images.add(e.asText());
                }
            } else {
                sink.problem(new Problem(ProblemKind.BAD_ROW, source, "\"image\" must be a path or a list of paths, got " + kind(image)));
                return;
            }
            for (String path : images) {
                if (path.isBlank()) {
                    sink.problem(new Problem(ProblemKind.BAD_ROW, source, "\"image\" holds an empty path"));
                    return;
                }
            }
        }
        JsonNode conversations = row.get("conversations");
        if (conversations == null || !conversations.isArray()) {
            sink.problem(new Problem(ProblemKind.BAD_ROW, source, conversations == null ? "no \"conversations\" list"
                    : "\"conversations\" must be a list, got " + kind(conversations)));
            return;
        }
        List<RawSample.Message> turns = new ArrayList<>(conversations.size());
        for (int i = 0; i < conversations.size(); i++) {
            JsonNode turn = conversations.get(i);
            JsonNode from = turn.get("from");
            JsonNode value = turn.get("value");
            if (!turn.isObject() || from == null || !from.isTextual() || value == null || !value.isTextual()) {
                sink.problem(new Problem(ProblemKind.BAD_ROW, source, "turn " + i + " must be {\"from\": string, \"value\": string}, got "
                        + abbreviate(turn.toString())));
                return;
            }
            turns.add(new RawSample.Message(from.asText(), value.asText()));
        }
        sink.sample(new RawSample(source, images, turns));
    }

    /** Jackson's message without its "(start marker at [Source: ...])" aside. */
    private static String clean(String message) {
        if (message == null) return "invalid JSON";
        int aside = message.indexOf(" (start marker at");
        return aside < 0 ? message : message.substring(0, aside);
    }

    private static String kind(JsonNode n) {
        return n.isObject() ? "an object" : n.isArray() ? "a list" : n.isTextual() ? "a string" : n.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}

package org.jtuner.train.convert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.io.json.PythonJson;

/**
 * The {@code <image>} token of a tokenizer folder: found when it is there, otherwise added as the tokenizers library
 * adds a special token (an {@code added_tokens} entry in tokenizer.json with the next free id, and the same in
 * tokenizer_config.json's {@code added_tokens_decoder}), written to a new folder.
 */
record ImageToken(int id, List<String> filesWritten) {
    static final String CONTENT = "<image>";

    static ImageToken add(Path tokenizerDir, Path out) throws IOException {
        Path file = tokenizerDir == null ? null : tokenizerDir.resolve("tokenizer.json");
        if (file == null || !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the model uses XTuner's image placeholder (-200), and there is no "
                    + "tokenizer.json" + (tokenizerDir == null ? "" : " in " + tokenizerDir) + " to add an <image> token to");
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode t = (ObjectNode) json.readTree(file.toFile());
        int max = -1;
        for (JsonNode a : t.path("added_tokens")) {
            if (a.path("content").asText().equals(CONTENT)) return new ImageToken(a.path("id").asInt(), List.of());
            max = Math.max(max, a.path("id").asInt());
        }
        JsonNode vocab = t.path("model").path("vocab");
        if (vocab.has(CONTENT)) return new ImageToken(vocab.get(CONTENT).asInt(), List.of());
        for (JsonNode id : vocab) max = Math.max(max, id.asInt());
        int id = max + 1;
        ArrayNode added = t.has("added_tokens") && t.get("added_tokens").isArray() ? (ArrayNode) t.get("added_tokens")
                : t.putArray("added_tokens");
        added.add(entry(json, id));
        List<String> written = new ArrayList<>();
        Files.createDirectories(out);
        Files.writeString(out.resolve("tokenizer.json"), PythonJson.dumps(t, true));
        written.add("tokenizer.json");
        Path configFile = tokenizerDir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(configFile)) {
            ObjectNode c = (ObjectNode) json.readTree(configFile.toFile());
            ObjectNode decoder = c.has("added_tokens_decoder") ? (ObjectNode) c.get("added_tokens_decoder")
                    : c.putObject("added_tokens_decoder");
            ObjectNode e = entry(json, id);
            e.remove("id");
            decoder.set(Integer.toString(id), e);
            Files.writeString(out.resolve("tokenizer_config.json"), PythonJson.dumps(c, true));
            written.add("tokenizer_config.json");
        }
        return new ImageToken(id, List.copyOf(written));
    }

    private static ObjectNode entry(ObjectMapper json, int id) {
        return json.createObjectNode().put("id", id).put("content", CONTENT).put("single_word", false)
                .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
    }
}

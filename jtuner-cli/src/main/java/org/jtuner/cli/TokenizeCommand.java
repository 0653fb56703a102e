package org.jtuner.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.tokenizer.Tokenizer;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the token ids of a text (or of a conversation rendered with the tokenizer's chat template). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print token ids as a JSON array, or a chat rendered with the tokenizer's template and its ids.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Folder with tokenizer.json (and tokenizer_config.json).")
    Path tokenizerDir;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--text", paramLabel = "S", description = "The text to encode.")
        String text;

        @Option(names = "--file", paramLabel = "F", description = "A UTF-8 file whose whole content is encoded.")
        Path file;

        @Option(names = "--chat", paramLabel = "MESSAGES.json",
                description = "A JSON list of {role, content} messages to render with the chat template.")
        Path chat;
    }

    @Option(names = "--add-special-tokens", description = "Add BOS/EOS as the tokenizer's post-processor says.")
    boolean addSpecialTokens;

    @Option(names = "--add-generation-prompt", description = "With --chat: end with the assistant's prompt.")
    boolean addGenerationPrompt;

    @Override
    public Integer call() throws Exception {
        Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
        ObjectMapper json = new ObjectMapper();
        if (input.chat != null) {
            List<Map<String, Object>> messages = json.readValue(input.chat.toFile(), new TypeReference<>() {});
            ChatTemplate template = ChatTemplate.fromTokenizerConfig(tokenizerDir.resolve("tokenizer_config.json"));
            String rendered = template.render(messages, addGenerationPrompt);
            // The template writes BOS itself, so the rendered text is encoded without adding special tokens.
            ObjectNode out = json.createObjectNode();
            out.put("rendered", rendered);
            out.set("ids", json.valueToTree(tokenizer.encode(rendered, false)));
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            return 0;
        }
        String text = input.text != null ? input.text : Files.readString(input.file);
        System.out.println(json.writeValueAsString(tokenizer.encode(text, addSpecialTokens)));
        return 0;
    }
}

package org.jtuner.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jtuner.data.TestData.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.jtuner.text.template.PromptTemplates;
import org.jtuner.text.tokenizer.Tokenizer;

/**
 * Every built-in template on one known two-round conversation with an image, encoded with the byte tokenizer, so
 * that each expected id is a byte of the template text as written below (typed from XTuner's templates.py, not
 * taken from the registry) or an added token of the tokenizer. {@code in(...)} pieces take no loss, {@code out(...)}
 * pieces are trained, {@code img()} is one image's 3 image tokens.
 *
 * <p>The row: human "What is it?\n&lt;image&gt;", gpt "A cat.", human "Color?", gpt "Gray.". The LLaVA map step
 * makes round 1's input "&lt;image&gt;\nWhat is it?".
 */
class TemplateEncodingTest {
    private static final Tokenizer TOKENIZER = tokenizer();
    private static final RawSample ROW = new RawSample(new SourceRef(Path.of("t.jsonl"), 1, "t"), List.of("cat.png"), List.of(
            new RawSample.Message("human", "What is it?\n<image>"), new RawSample.Message("gpt", "A cat."),
            new RawSample.Message("human", "Color?"), new RawSample.Message("gpt", "Gray.")));

    private record Piece(int[] ids, boolean trained) {}

    private static Piece in(String text) {
        return new Piece(bytes(text), false);
    }

    private static Piece in(int id) {
        return new Piece(new int[] {id}, false);
    }

    private static Piece out(String text) {
        return new Piece(bytes(text), true);
    }

    private static Piece out(int id) {
        return new Piece(new int[] {id}, true);
    }

    private static Piece img() {
        return new Piece(new int[] {IMAGE, IMAGE, IMAGE}, false);
    }

    private static final Map<String, Piece[]> EXPECTED = new LinkedHashMap<>();

    static {
        // Templates without SUFFIX: answer, then EOS (trained), then SEP; every round starts with BOS.
        Piece[] vicunaLike = {
                in(BOS), in("USER: "), img(), in("\nWhat is it? ASSISTANT:"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("USER: Color? ASSISTANT:"), out("Gray."), out(EOS), in("\n")};
        Piece[] instLike = {
                in(BOS), in("[INST] "), img(), in("\nWhat is it? [/INST]"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("[INST] Color? [/INST]"), out("Gray."), out(EOS), in("\n")};
        Piece[] deepseekCoder = {
                in(BOS), in("### Instruction:\n"), img(), in("\nWhat is it?\n### Response:\n"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("### Instruction:\nColor?\n### Response:\n"), out("Gray."), out(EOS), in("\n")};
        // <|im_start|> and <|im_end|> are added tokens; SUFFIX <|im_end|> ends the answer instead of EOS, and the next
        // round gets no BOS.
        Piece[] imStart = {
                in(BOS), in(IM_START), in("user\n"), img(), in("\nWhat is it?"), in(IM_END), in("\n"), in(IM_START), in("assistant\n"),
                out("A cat."), out(IM_END), in("\n"),
                in(IM_START), in("user\nColor?"), in(IM_END), in("\n"), in(IM_START), in("assistant\n"),
                out("Gray."), out(IM_END), in("\n")};
        EXPECTED.put("default", new Piece[] {
                in(BOS), in("<|User|>:"), img(), in("\nWhat is it?\n<|Bot|>:"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("<|User|>:Color?\n<|Bot|>:"), out("Gray."), out(EOS), in("\n")});
        EXPECTED.put("zephyr", new Piece[] {
                in(BOS), in("<|user|>\n"), img(), in("\nWhat is it?\n<|assistant|>\n"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("<|user|>\nColor?\n<|assistant|>\n"), out("Gray."), out(EOS), in("\n")});
        EXPECTED.put("internlm_chat", new Piece[] {
                in(BOS), in("<|User|>:"), img(), in("\nWhat is it?"), in(EOH), in("\n<|Bot|>:"), out("A cat."), out(EOA), in("\n"),
                in("<|User|>:Color?"), in(EOH), in("\n<|Bot|>:"), out("Gray."), out(EOA), in("\n")});
        EXPECTED.put("internlm2_chat", imStart);
        EXPECTED.put("moss_sft", new Piece[] {
                in(BOS), in("<|Human|>: "), img(), in("\nWhat is it?"), in(EOH), in("\n"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("<|Human|>: Color?"), in(EOH), in("\n"), out("Gray."), out(EOS), in("\n")});
        EXPECTED.put("llama2_chat", instLike);
        EXPECTED.put("code_llama_chat", new Piece[] {
                in(BOS), in("[INST] "), img(), in("\nWhat is it? [/INST]"), out("A cat."), out(EOS),
                in(BOS), in("[INST] Color? [/INST]"), out("Gray."), out(EOS)});
        EXPECTED.put("chatglm2", new Piece[] {
                in(BOS), in("[Round 1]\n\n问\uff1a"), img(), in("\nWhat is it?\n\n答\uff1a"), out("A cat."), out(EOS), in("\n\n"),
                in(BOS), in("[Round 2]\n\n问\uff1aColor?\n\n答\uff1a"), out("Gray."), out(EOS), in("\n\n")});
        EXPECTED.put("chatglm3", new Piece[] {
                in(BOS), in("<|user|>\n"), img(), in("\nWhat is it?<|assistant|>\n"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("<|user|>\nColor?<|assistant|>\n"), out("Gray."), out(EOS), in("\n")});
        EXPECTED.put("qwen_chat", imStart);
        EXPECTED.put("baichuan_chat", new Piece[] {
                in(BOS), in("<reserved_102>"), img(), in("\nWhat is it?<reserved_103>"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("<reserved_102>Color?<reserved_103>"), out("Gray."), out(EOS), in("\n")});
        EXPECTED.put("baichuan2_chat", new Piece[] {
                in(BOS), in("<reserved_106>"), img(), in("\nWhat is it?<reserved_107>"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("<reserved_106>Color?<reserved_107>"), out("Gray."), out(EOS), in("\n")});
        EXPECTED.put("wizardlm", vicunaLike);
        EXPECTED.put("wizardcoder", new Piece[] {
                in(BOS), in("### Instruction:\n"), img(), in("\nWhat is it?\n\n### Response:"), out("A cat."), out(EOS), in("\n\n"),
                in(BOS), in("### Instruction:\nColor?\n\n### Response:"), out("Gray."), out(EOS), in("\n\n")});
        EXPECTED.put("vicuna", vicunaLike);
        EXPECTED.put("deepseek_coder", deepseekCoder);
        EXPECTED.put("deepseekcoder", deepseekCoder);
        EXPECTED.put("deepseek_moe", instLike);
        // The fullwidth bars and lower blocks are not added tokens here: plain UTF-8 bytes, trained with the answer.
        EXPECTED.put("deepseek_v2", new Piece[] {
                in(BOS), in("User: "), img(), in("\nWhat is it?\n\nAssistant: "), out("A cat.<\uff5cend\u2581of\u2581sentence\uff5c>"),
                in("User: Color?\n\nAssistant: "), out("Gray.<\uff5cend\u2581of\u2581sentence\uff5c>")});
        EXPECTED.put("mistral", instLike);
        EXPECTED.put("mixtral", instLike);
        EXPECTED.put("minicpm", new Piece[] {
                in(BOS), in("<用户> "), img(), in("\nWhat is it? <AI>"), out("A cat."), out(EOS), in("\n"),
                in(BOS), in("<用户> Color? <AI>"), out("Gray."), out(EOS), in("\n")});
        EXPECTED.put("minicpm3", imStart);
        // Gemma's SUFFIX is not an EOS: the answer gets <end_of_turn> and then EOS, both trained.
        EXPECTED.put("gemma", new Piece[] {
                in(BOS), in(START_OF_TURN), in("user\n"), img(), in("\nWhat is it?"), in(END_OF_TURN), in("\n"), in(START_OF_TURN), in("model\n"),
                out("A cat."), out(END_OF_TURN), out(EOS), in("\n"),
                in(BOS), in(START_OF_TURN), in("user\nColor?"), in(END_OF_TURN), in("\n"), in(START_OF_TURN), in("model\n"),
                out("Gray."), out(END_OF_TURN), out(EOS), in("\n")});
        EXPECTED.put("cohere_chat", new Piece[] {
                in(BOS), in("<|START_OF_TURN_TOKEN|><|USER_TOKEN|>"), img(),
                in("\nWhat is it?<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"), out("A cat.<|END_OF_TURN_TOKEN|>"),
                in("<|START_OF_TURN_TOKEN|><|USER_TOKEN|>Color?<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>"),
                out("Gray.<|END_OF_TURN_TOKEN|>")});
        EXPECTED.put("llama3_chat", new Piece[] {
                in(BOS), in(START_HEADER), in("user"), in(END_HEADER), in("\n\n"), img(), in("\nWhat is it?"), in(EOT),
                in(START_HEADER), in("assistant"), in(END_HEADER), in("\n\n"), out("A cat."), out(EOT),
                in(START_HEADER), in("user"), in(END_HEADER), in("\n\nColor?"), in(EOT),
                in(START_HEADER), in("assistant"), in(END_HEADER), in("\n\n"), out("Gray."), out(EOT)});
        EXPECTED.put("phi3_chat", new Piece[] {
                in(BOS), in("<|user|>\n"), img(), in("\nWhat is it?"), in(END), in("\n<|assistant|>\n"), out("A cat."), out(END), in("\n"),
                in("<|user|>\nColor?"), in(END), in("\n<|assistant|>\n"), out("Gray."), out(END), in("\n")});
    }

    @Test
    void everyBuiltInTemplateIsCovered() {
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrderElementsOf(PromptTemplates.names());
    }

    @Test
    void eachBuiltInTemplateEncodesToTheHandDerivedIdsAndLabels() {
        for (Map.Entry<String, Piece[]> e : EXPECTED.entrySet()) {
            check(e.getKey(), TOKENIZER, e.getValue());
        }
    }

    /** XTuner gives Qwen tokenizers no BOS at all (get_bos_eos_token_ids). */
    @Test
    void qwenTokenizersGetNoBos() {
        Tokenizer qwen = tokenizer("{\"bos_token\": \"<s>\", \"eos_token\": \"<|endoftext|>\", \"tokenizer_class\": \"Qwen2TokenizerFast\"}");
        check("qwen_chat", qwen, new Piece[] {
                in(IM_START), in("user\n"), img(), in("\nWhat is it?"), in(IM_END), in("\n"), in(IM_START), in("assistant\n"),
                out("A cat."), out(IM_END), in("\n"),
                in(IM_START), in("user\nColor?"), in(IM_END), in("\n"), in(IM_START), in("assistant\n"),
                out("Gray."), out(IM_END), in("\n")});
        // A template with EOS uses the tokenizer's eos_token, here <|endoftext|>.
        check("vicuna", qwen, new Piece[] {
                in("USER: "), img(), in("\nWhat is it? ASSISTANT:"), out("A cat."), out(ENDOFTEXT), in("\n"),
                in("USER: Color? ASSISTANT:"), out("Gray."), out(ENDOFTEXT), in("\n")});
    }

    private static void check(String template, Tokenizer tokenizer, Piece[] pieces) {
        List<Integer> ids = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<Integer> imageStarts = new ArrayList<>();
        for (Piece p : pieces) {
            if (p.ids().length == 3 && p.ids()[0] == IMAGE && !p.trained()) imageStarts.add(ids.size());
            for (int id : p.ids()) {
                ids.add(id);
                labels.add(p.trained() ? id : EncodedSample.IGNORE_INDEX);
            }
        }
        SampleEncoder encoder = new SampleEncoder(tokenizer, template, IMAGE, 3, 4096, Path.of("/images"));
        SampleEncoder.Result r = encoder.encode(ROW);
        assertThat(r.problem()).as(template).isNull();
        EncodedSample s = r.sample();
        assertThat(s.inputIds()).as(template + " input_ids").containsExactly(ids.stream().mapToInt(Integer::intValue).toArray());
        assertThat(s.labels()).as(template + " labels").containsExactly(labels.stream().mapToInt(Integer::intValue).toArray());
        assertThat(s.imagePositions()).as(template + " image positions").containsExactly(imageStarts.stream().mapToInt(Integer::intValue).toArray());
        assertThat(s.images()).containsExactly(Path.of("/images/cat.png"));
        assertThat(s.modalityLength()).isEqualTo(ids.size());
        assertThat(Arrays.stream(s.inputIds()).filter(id -> id == IMAGE).count()).isEqualTo(3);
    }
}

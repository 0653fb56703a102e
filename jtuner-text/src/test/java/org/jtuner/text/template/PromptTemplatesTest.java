package org.jtuner.text.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every built-in XTuner template renders the same two-round conversation with a system text. The expected
 * segments are written out by hand from the template strings in xtuner/utils/templates.py and from the
 * segment order of XTuner's template_map_fn + encode_fn:
 * BOS (first round, and after an EOS) | INPUT = SYSTEM.format(system) [round 1 only] + INSTRUCTION.format(input,
 * round) | OUTPUT = answer + SUFFIX | EOS unless SUFFIX_AS_EOS | SEP when not empty.
 */
class PromptTemplatesTest {
    private static final String SYSTEM = "Be terse.";
    private static final List<Turn> CONVERSATION = List.of(Turn.of("Hi", "Hello."), Turn.of("Bye", "Goodbye."));

    /** Every template this class checks; a new built-in without a test fails {@link #everyBuiltInIsTested}. */
    private static final Set<String> TESTED = Set.of(
            "default", "zephyr", "internlm_chat", "internlm2_chat", "moss_sft", "llama2_chat", "code_llama_chat",
            "chatglm2", "chatglm3", "qwen_chat", "baichuan_chat", "baichuan2_chat", "wizardlm", "wizardcoder",
            "vicuna", "deepseek_coder", "deepseekcoder", "deepseek_moe", "deepseek_v2", "mistral", "mixtral",
            "minicpm", "minicpm3", "gemma", "cohere_chat", "llama3_chat", "phi3_chat");

    // The two shapes of XTuner conversations. "Plain": no SUFFIX_AS_EOS, so EOS ends each answer and BOS opens
    // each round. "Suffix": SUFFIX_AS_EOS, so the suffix ends the answer and only round 1 has a BOS.

    private static List<Segment> plain(String input1, String input2, String sep) {
        return withSep(List.of(
                List.of(Segment.bos(), Segment.input(input1), Segment.output("Hello.", true), Segment.eos(true)),
                List.of(Segment.bos(), Segment.input(input2), Segment.output("Goodbye.", true), Segment.eos(true))),
                sep);
    }

    private static List<Segment> suffixed(String input1, String input2, String suffix, String sep) {
        return withSep(List.of(
                List.of(Segment.bos(), Segment.input(input1), Segment.output("Hello." + suffix, true)),
                List.of(Segment.input(input2), Segment.output("Goodbye." + suffix, true))),
                sep);
    }

    private static List<Segment> withSep(List<List<Segment>> rounds, String sep) {
        List<Segment> out = new java.util.ArrayList<>();
        for (List<Segment> round : rounds) {
            out.addAll(round);
            if (!sep.isEmpty()) out.add(Segment.sep(sep));
        }
        return out;
    }

    private static void check(String name, List<Segment> expected) {
        assertThat(PromptTemplates.get(name).render(CONVERSATION, SYSTEM)).as(name).containsExactlyElementsOf(expected);
    }

    @Test
    void everyBuiltInIsTested() {
        assertThat(PromptTemplates.names()).containsExactlyInAnyOrderElementsOf(TESTED);
    }

    @Test
    void defaultTemplate() {
        // SYSTEM "<|System|>:{system}\n", INSTRUCTION "<|User|>:{input}\n<|Bot|>:", SEP "\n"
        check("default", plain("<|System|>:Be terse.\n<|User|>:Hi\n<|Bot|>:", "<|User|>:Bye\n<|Bot|>:", "\n"));
    }

    @Test
    void zephyr() {
        // SYSTEM "<|system|>\n{system}\n", INSTRUCTION "<|user|>\n{input}\n<|assistant|>\n", SEP "\n"
        check("zephyr", plain("<|system|>\nBe terse.\n<|user|>\nHi\n<|assistant|>\n",
                "<|user|>\nBye\n<|assistant|>\n", "\n"));
    }

    @Test
    void internlmChat() {
        // SYSTEM "<|System|>:{system}\n", INSTRUCTION "<|User|>:{input}<eoh>\n<|Bot|>:", SUFFIX "<eoa>" (as EOS), SEP "\n"
        check("internlm_chat", suffixed("<|System|>:Be terse.\n<|User|>:Hi<eoh>\n<|Bot|>:",
                "<|User|>:Bye<eoh>\n<|Bot|>:", "<eoa>", "\n"));
        assertThat(PromptTemplates.get("internlm_chat").stopWords()).containsExactly("<eoa>");
    }

    @Test
    void internlm2Chat() {
        // SYSTEM "<|im_start|>system\n{system}<|im_end|>\n",
        // INSTRUCTION "<|im_start|>user\n{input}<|im_end|>\n<|im_start|>assistant\n", SUFFIX "<|im_end|>" (as EOS), SEP "\n"
        check("internlm2_chat", suffixed(
                "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>", "\n"));
        assertThat(PromptTemplates.get("internlm2_chat").stopWords()).containsExactly("<|im_end|>");
    }

    @Test
    void mossSft() {
        // SYSTEM "{system}\n", INSTRUCTION "<|Human|>: {input}<eoh>\n", SEP "\n", STOP_WORDS ["<eoc>", "<eom>"]
        check("moss_sft", plain("Be terse.\n<|Human|>: Hi<eoh>\n", "<|Human|>: Bye<eoh>\n", "\n"));
        assertThat(PromptTemplates.get("moss_sft").stopWords()).containsExactly("<eoc>", "<eom>");
    }

    @Test
    void llama2Chat() {
        // SYSTEM: XTuner's fixed Llama 2 system prompt, then "\n{system}\n<</SYS>>\n [/INST] ";
        // INSTRUCTION "[INST] {input} [/INST]", SEP "\n"
        String system = "[INST] <<SYS>>\n You are a helpful, respectful and honest assistant. Always answer as "
                + "helpfully as possible, while being safe. Your answers should not include any harmful, unethical, "
                + "racist, sexist, toxic, dangerous, or illegal content. Please ensure that your responses are "
                + "socially unbiased and positive in nature.\nBe terse.\n<</SYS>>\n [/INST] ";
        check("llama2_chat", plain(system + "[INST] Hi [/INST]", "[INST] Bye [/INST]", "\n"));
    }

    @Test
    void codeLlamaChat() {
        // SYSTEM "{system}\n", INSTRUCTION "[INST] {input} [/INST]", no SEP
        check("code_llama_chat", plain("Be terse.\n[INST] Hi [/INST]", "[INST] Bye [/INST]", ""));
    }

    @Test
    void chatglm2NumbersRounds() {
        // SYSTEM "{system}\n", INSTRUCTION "[Round {round}]\n\n问：{input}\n\n答：" (fullwidth colons), SEP "\n\n"
        check("chatglm2", plain("Be terse.\n[Round 1]\n\n问\uff1aHi\n\n答\uff1a", "[Round 2]\n\n问\uff1aBye\n\n答\uff1a", "\n\n"));
    }

    @Test
    void chatglm3() {
        // SYSTEM "<|system|>\n{system}", INSTRUCTION "<|user|>\n{input}<|assistant|>\n", SEP "\n"
        check("chatglm3", plain("<|system|>\nBe terse.<|user|>\nHi<|assistant|>\n", "<|user|>\nBye<|assistant|>\n", "\n"));
    }

    @Test
    void qwenChat() {
        // As internlm2_chat, with STOP_WORDS ["<|im_end|>", "<|endoftext|>"]
        check("qwen_chat", suffixed(
                "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>", "\n"));
        assertThat(PromptTemplates.get("qwen_chat").stopWords()).containsExactly("<|im_end|>", "<|endoftext|>");
    }

    @Test
    void baichuanChat() {
        // SYSTEM "{system}\n", INSTRUCTION "<reserved_102>{input}<reserved_103>", SEP "\n"
        check("baichuan_chat", plain("Be terse.\n<reserved_102>Hi<reserved_103>", "<reserved_102>Bye<reserved_103>", "\n"));
    }

    @Test
    void baichuan2Chat() {
        // SYSTEM "{system}\n", INSTRUCTION "<reserved_106>{input}<reserved_107>", SEP "\n"
        check("baichuan2_chat", plain("Be terse.\n<reserved_106>Hi<reserved_107>", "<reserved_106>Bye<reserved_107>", "\n"));
    }

    /** Vicuna's (and WizardLM's) SYSTEM ends in "\n " (newline, space) before the instruction. */
    private static final String VICUNA_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. "
            + "The assistant gives helpful, detailed, and polite answers to the user's questions. Be terse.\n ";

    @Test
    void wizardlm() {
        // SYSTEM as vicuna, INSTRUCTION "USER: {input} ASSISTANT:", SEP "\n"
        check("wizardlm", plain(VICUNA_SYSTEM + "USER: Hi ASSISTANT:", "USER: Bye ASSISTANT:", "\n"));
    }

    @Test
    void wizardcoder() {
        // SYSTEM "Below is an instruction ... the request.\n\n{system}\n ", INSTRUCTION "### Instruction:\n{input}\n\n### Response:",
        // SEP "\n\n"
        String system = "Below is an instruction that describes a task. Write a response that appropriately completes "
                + "the request.\n\nBe terse.\n ";
        check("wizardcoder", plain(system + "### Instruction:\nHi\n\n### Response:", "### Instruction:\nBye\n\n### Response:", "\n\n"));
    }

    @Test
    void vicuna() {
        // SYSTEM "A chat between ... user's questions. {system}\n ", INSTRUCTION "USER: {input} ASSISTANT:", SEP "\n"
        check("vicuna", plain(VICUNA_SYSTEM + "USER: Hi ASSISTANT:", "USER: Bye ASSISTANT:", "\n"));
        assertThat(PromptTemplates.get("vicuna").stopWords()).isEmpty();
    }

    /** XTuner's DeepSeek Coder SYSTEM, with its missing space in "DeepSeekCompany". */
    private static final String DEEPSEEK_CODER_SYSTEM = "You are an AI programming assistant, utilizing the DeepSeek "
            + "Coder model, developed by DeepSeekCompany, and you only answer questions related to computer science. "
            + "For politically sensitive questions, security and privacy issues, and other non-computer science "
            + "questions, you will refuse to answer. Be terse.\n";

    @Test
    void deepseekCoder() {
        // SYSTEM "... refuse to answer. {system}\n", INSTRUCTION "### Instruction:\n{input}\n### Response:\n", SEP "\n"
        check("deepseek_coder", plain(DEEPSEEK_CODER_SYSTEM + "### Instruction:\nHi\n### Response:\n",
                "### Instruction:\nBye\n### Response:\n", "\n"));
    }

    @Test
    void deepseekcoderDeprecatedAlias() {
        // XTuner keeps the old name with the same strings.
        check("deepseekcoder", plain(DEEPSEEK_CODER_SYSTEM + "### Instruction:\nHi\n### Response:\n",
                "### Instruction:\nBye\n### Response:\n", "\n"));
    }

    @Test
    void deepseekMoe() {
        // SYSTEM "[INST] {system} [/INST]\n", INSTRUCTION "[INST] {input} [/INST]", SEP "\n"
        check("deepseek_moe", plain("[INST] Be terse. [/INST]\n[INST] Hi [/INST]", "[INST] Bye [/INST]", "\n"));
    }

    @Test
    void deepseekV2() {
        // SYSTEM "{system}\n\n", INSTRUCTION "User: {input}\n\nAssistant: ", SUFFIX "<｜end▁of▁sentence｜>" (as EOS), no SEP
        String end = "<\uff5cend\u2581of\u2581sentence\uff5c>";
        check("deepseek_v2", suffixed("Be terse.\n\nUser: Hi\n\nAssistant: ", "User: Bye\n\nAssistant: ", end, ""));
        assertThat(PromptTemplates.get("deepseek_v2").stopWords()).containsExactly(end);
    }

    @Test
    void mistral() {
        // SYSTEM "[INST] {system} [/INST]\n", INSTRUCTION "[INST] {input} [/INST]", SEP "\n"
        check("mistral", plain("[INST] Be terse. [/INST]\n[INST] Hi [/INST]", "[INST] Bye [/INST]", "\n"));
    }

    @Test
    void mixtral() {
        // Same strings as mistral.
        check("mixtral", plain("[INST] Be terse. [/INST]\n[INST] Hi [/INST]", "[INST] Bye [/INST]", "\n"));
    }

    @Test
    void minicpmHasNoSystem() {
        // INSTRUCTION "<用户> {input} <AI>", SEP "\n", and no SYSTEM: XTuner fails on a system text, so do we.
        PromptTemplate t = PromptTemplates.get("minicpm");
        assertThat(t.hasSystem()).isFalse();
        assertThat(t.render(CONVERSATION)).containsExactlyElementsOf(plain("<用户> Hi <AI>", "<用户> Bye <AI>", "\n"));
        assertThatThrownBy(() -> t.render(CONVERSATION, SYSTEM)).hasMessageContaining("no SYSTEM");
    }

    @Test
    void minicpm3() {
        // As qwen_chat.
        check("minicpm3", suffixed(
                "<|im_start|>system\nBe terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                "<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n", "<|im_end|>", "\n"));
    }

    @Test
    void gemmaKeepsEosAfterItsSuffix() {
        // SYSTEM "<start_of_turn>system\n{system}<end_of_turn>\n",
        // INSTRUCTION "<start_of_turn>user\n{input}<end_of_turn>\n<start_of_turn>model\n", SUFFIX "<end_of_turn>",
        // SUFFIX_AS_EOS False: the suffix is text of the answer AND an EOS follows, SEP "\n"
        List<Segment> expected = List.of(
                Segment.bos(),
                Segment.input("<start_of_turn>system\nBe terse.<end_of_turn>\n<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n"),
                Segment.output("Hello.<end_of_turn>", true),
                Segment.eos(true),
                Segment.sep("\n"),
                Segment.bos(),
                Segment.input("<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n"),
                Segment.output("Goodbye.<end_of_turn>", true),
                Segment.eos(true),
                Segment.sep("\n"));
        check("gemma", expected);
    }

    @Test
    void cohereChat() {
        // SYSTEM "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>{system}<|END_OF_TURN_TOKEN|>",
        // INSTRUCTION "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>{input}<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
        // SUFFIX "<|END_OF_TURN_TOKEN|>" (as EOS), no SEP
        String user = "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>%s<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>";
        check("cohere_chat", suffixed(
                "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>Be terse.<|END_OF_TURN_TOKEN|>" + user.formatted("Hi"),
                user.formatted("Bye"), "<|END_OF_TURN_TOKEN|>", ""));
    }

    @Test
    void llama3Chat() {
        // SYSTEM "<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>",
        // INSTRUCTION "<|start_header_id|>user<|end_header_id|>\n\n{input}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        // SUFFIX "<|eot_id|>" (as EOS), no SEP
        String user = "<|start_header_id|>user<|end_header_id|>\n\n%s<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        check("llama3_chat", suffixed(
                "<|start_header_id|>system<|end_header_id|>\n\nBe terse.<|eot_id|>" + user.formatted("Hi"),
                user.formatted("Bye"), "<|eot_id|>", ""));
        assertThat(PromptTemplates.get("llama3_chat").stopWords()).containsExactly("<|eot_id|>");
    }

    @Test
    void phi3Chat() {
        // SYSTEM "<|system|>\n{system}<|end|>\n", INSTRUCTION "<|user|>\n{input}<|end|>\n<|assistant|>\n",
        // SUFFIX "<|end|>" (as EOS), SEP "\n"
        check("phi3_chat", suffixed("<|system|>\nBe terse.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\n",
                "<|user|>\nBye<|end|>\n<|assistant|>\n", "<|end|>", "\n"));
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        assertThatThrownBy(() -> PromptTemplates.get("vicuna_v2"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown prompt template 'vicuna_v2'")
                .hasMessageContaining("vicuna, deepseek_coder");
    }

    @Test
    void joinSpellsTheWholeSample() {
        // What the model sees for vicuna: <s> system+instruction answer </s> \n <s> instruction answer </s> \n
        String text = Segment.join(PromptTemplates.get("vicuna").render(CONVERSATION, SYSTEM), "<s>", "</s>");
        assertThat(text).isEqualTo("<s>" + VICUNA_SYSTEM + "USER: Hi ASSISTANT:Hello.</s>\n<s>USER: Bye ASSISTANT:Goodbye.</s>\n");
    }

    @Test
    void untrainedAnswersKeepTheirEosUntrained() {
        // encode_fn: output_with_loss=False masks the answer and its EOS; inputs and SEP are never trained.
        List<Segment> segments = PromptTemplates.get("vicuna").render(List.of(new Turn("", "Hi", "Hello.", false)));
        assertThat(segments).extracting(Segment::trained).containsOnly(false);
    }

    @Test
    void systemGoesOnTheFirstRoundOnly() {
        // template_map_fn formats SYSTEM for each round that carries one; the map functions put it on the first.
        List<Turn> turns = List.of(Turn.of("a", "b"), new Turn("later", "c", "d", true));
        List<Segment> segments = PromptTemplates.get("qwen_chat").render(turns);
        assertThat(segments.get(1).text()).isEqualTo("<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n");
        assertThat(segments.get(4).text())
                .isEqualTo("<|im_start|>system\nlater<|im_end|>\n<|im_start|>user\nc<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void braceInUserTextIsNotAField() {
        // str.format does not re-read substituted values.
        assertThat(PromptTemplates.get("vicuna").formatInstruction("{input} {round}", 3))
                .isEqualTo("USER: {input} {round} ASSISTANT:");
    }

    @Test
    void promptForGenerationMatchesXtunerChat() {
        // xtuner/tools/chat.py: SYSTEM.format(system) on the first turn, then INSTRUCTION.format(input, round).
        PromptTemplate t = PromptTemplates.get("llama3_chat");
        assertThat(t.prompt("S", "Q", 1)).isEqualTo("<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(t.prompt("", "Q", 2)).startsWith("<|start_header_id|>user");
    }

    @Test
    void customTemplateFromXtunerKeys() {
        PromptTemplate t = PromptTemplate.fromXtuner(Map.of("INSTRUCTION", "Q: {input}\nA: ", "SUFFIX", "</a>",
                "SUFFIX_AS_EOS", true, "STOP_WORDS", List.of("</a>")));
        assertThat(Segment.join(t.render(List.of(Turn.of("x", "y"), Turn.of("z", "w"))), "<s>", "</s>"))
                .isEqualTo("<s>Q: x\nA: y</a>Q: z\nA: w</a>");
        assertThatThrownBy(() -> PromptTemplate.fromXtuner(Map.of("INSTRUCTION", "{input}", "SUFIX", "x")))
                .hasMessageContaining("unknown prompt template key 'SUFIX'");
    }
}

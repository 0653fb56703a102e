package org.jtuner.text.template;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * XTuner's built-in prompt templates, copied byte for byte from {@code PROMPT_TEMPLATE} in
 * {@code xtuner/utils/templates.py} (InternLM/xtuner, commit b934f46), in the same order and with the same
 * keys. Strings that XTuner splits across lines are joined here the same way ("a" + "b"). Look-alike
 * characters are written as escapes: U+FF1A is the fullwidth colon of chatglm2, U+FF5C the fullwidth bar
 * and U+2581 the lower block of DeepSeek's special tokens.
 */
public final class PromptTemplates {
    private PromptTemplates() {}

    private static final Map<String, PromptTemplate> BUILT_IN = builtIn();

    /** The template of that name, e.g. "vicuna", "llama3_chat", "qwen_chat". */
    public static PromptTemplate get(String name) {
        PromptTemplate template = BUILT_IN.get(name);
        if (template == null) {
            throw new IllegalArgumentException("unknown prompt template '" + name + "'; known: "
                    + String.join(", ", BUILT_IN.keySet()));
        }
        return template;
    }

    /** The names of the built-in templates, in XTuner's order. */
    public static Set<String> names() {
        return BUILT_IN.keySet();
    }

    private static void put(Map<String, PromptTemplate> templates, String name, Map<String, ?> xtunerDict) {
        templates.put(name, PromptTemplate.fromXtuner(xtunerDict));
    }

    private static Map<String, PromptTemplate> builtIn() {
        Map<String, PromptTemplate> templates = new LinkedHashMap<>();
        put(templates, "default", Map.of(
                "SYSTEM", "<|System|>:{system}\n",
                "INSTRUCTION", "<|User|>:{input}\n<|Bot|>:",
                "SEP", "\n"));
        put(templates, "zephyr", Map.of(
                "SYSTEM", "<|system|>\n{system}\n",
                "INSTRUCTION", "<|user|>\n{input}\n<|assistant|>\n",
                "SEP", "\n"));
        put(templates, "internlm_chat", Map.of(
                "SYSTEM", "<|System|>:{system}\n",
                "INSTRUCTION", "<|User|>:{input}<eoh>\n<|Bot|>:",
                "SUFFIX", "<eoa>",
                "SUFFIX_AS_EOS", true,
                "SEP", "\n",
                "STOP_WORDS", List.of("<eoa>")));
        put(templates, "internlm2_chat", Map.of(
                "SYSTEM", "<|im_start|>system\n{system}<|im_end|>\n",
                "INSTRUCTION", "<|im_start|>user\n{input}<|im_end|>\n<|im_start|>assistant\n",
                "SUFFIX", "<|im_end|>",
                "SUFFIX_AS_EOS", true,
                "SEP", "\n",
                "STOP_WORDS", List.of("<|im_end|>")));
        put(templates, "moss_sft", Map.of(
                "SYSTEM", "{system}\n",
                "INSTRUCTION", "<|Human|>: {input}<eoh>\n",
                "SEP", "\n",
                "STOP_WORDS", List.of("<eoc>", "<eom>")));
        put(templates, "llama2_chat", Map.of(
                "SYSTEM", "[INST] <<SYS>>\n You are a helpful, respectful and honest assistant. Always answer as "
                    + "helpfully as possible, while being safe. Your answers should not include any harmful, "
                    + "unethical, racist, sexist, toxic, dangerous, or illegal content. Please ensure that "
                    + "your responses are socially unbiased and positive in nature.\n{system}\n<</SYS>>\n [/INST] ",
                "INSTRUCTION", "[INST] {input} [/INST]",
                "SEP", "\n"));
        put(templates, "code_llama_chat", Map.of(
                "SYSTEM", "{system}\n",
                "INSTRUCTION", "[INST] {input} [/INST]"));
        put(templates, "chatglm2", Map.of(
                "SYSTEM", "{system}\n",
                "INSTRUCTION", "[Round {round}]\n\n问\uff1a{input}\n\n答\uff1a",
                "SEP", "\n\n"));
        put(templates, "chatglm3", Map.of(
                "SYSTEM", "<|system|>\n{system}",
                "INSTRUCTION", "<|user|>\n{input}<|assistant|>\n",
                "SEP", "\n"));
        put(templates, "qwen_chat", Map.of(
                "SYSTEM", "<|im_start|>system\n{system}<|im_end|>\n",
                "INSTRUCTION", "<|im_start|>user\n{input}<|im_end|>\n<|im_start|>assistant\n",
                "SUFFIX", "<|im_end|>",
                "SUFFIX_AS_EOS", true,
                "SEP", "\n",
                "STOP_WORDS", List.of("<|im_end|>", "<|endoftext|>")));
        put(templates, "baichuan_chat", Map.of(
                "SYSTEM", "{system}\n",
                "INSTRUCTION", "<reserved_102>{input}<reserved_103>",
                "SEP", "\n"));
        put(templates, "baichuan2_chat", Map.of(
                "SYSTEM", "{system}\n",
                "INSTRUCTION", "<reserved_106>{input}<reserved_107>",
                "SEP", "\n"));
        put(templates, "wizardlm", Map.of(
                "SYSTEM", "A chat between a curious user and an artificial intelligence assistant. The assistant "
                    + "gives helpful, detailed, and polite answers to the user's questions. {system}\n ",
                "INSTRUCTION", "USER: {input} ASSISTANT:",
                "SEP", "\n"));
        put(templates, "wizardcoder", Map.of(
                "SYSTEM", "Below is an instruction that describes a task. Write a response that appropriately "
                    + "completes the request.\n\n{system}\n ",
                "INSTRUCTION", "### Instruction:\n{input}\n\n### Response:",
                "SEP", "\n\n"));
        put(templates, "vicuna", Map.of(
                "SYSTEM", "A chat between a curious user and an artificial intelligence assistant. The assistant "
                    + "gives helpful, detailed, and polite answers to the user's questions. {system}\n ",
                "INSTRUCTION", "USER: {input} ASSISTANT:",
                "SEP", "\n"));
        put(templates, "deepseek_coder", Map.of(
                "SYSTEM", "You are an AI programming assistant, utilizing the DeepSeek Coder model, developed by "
                    + "DeepSeekCompany, and you only answer questions related to computer science. For "
                    + "politically sensitive questions, security and privacy issues, and other non-computer "
                    + "science questions, you will refuse to answer. {system}\n",
                "INSTRUCTION", "### Instruction:\n{input}\n### Response:\n",
                "SEP", "\n"));
        put(templates, "deepseekcoder", Map.of(
                "SYSTEM", "You are an AI programming assistant, utilizing the DeepSeek Coder model, developed by "
                    + "DeepSeekCompany, and you only answer questions related to computer science. For "
                    + "politically sensitive questions, security and privacy issues, and other non-computer "
                    + "science questions, you will refuse to answer. {system}\n",
                "INSTRUCTION", "### Instruction:\n{input}\n### Response:\n",
                "SEP", "\n"));
        put(templates, "deepseek_moe", Map.of(
                "SYSTEM", "[INST] {system} [/INST]\n",
                "INSTRUCTION", "[INST] {input} [/INST]",
                "SEP", "\n"));
        put(templates, "deepseek_v2", Map.of(
                "SYSTEM", "{system}\n\n",
                "INSTRUCTION", "User: {input}\n\nAssistant: ",
                "SUFFIX", "<\uff5cend\u2581of\u2581sentence\uff5c>",
                "SUFFIX_AS_EOS", true,
                "STOP_WORDS", List.of("<\uff5cend\u2581of\u2581sentence\uff5c>")));
        put(templates, "mistral", Map.of(
                "SYSTEM", "[INST] {system} [/INST]\n",
                "INSTRUCTION", "[INST] {input} [/INST]",
                "SEP", "\n"));
        put(templates, "mixtral", Map.of(
                "SYSTEM", "[INST] {system} [/INST]\n",
                "INSTRUCTION", "[INST] {input} [/INST]",
                "SEP", "\n"));
        put(templates, "minicpm", Map.of(
                "INSTRUCTION", "<用户> {input} <AI>",
                "SEP", "\n"));
        put(templates, "minicpm3", Map.of(
                "SYSTEM", "<|im_start|>system\n{system}<|im_end|>\n",
                "INSTRUCTION", "<|im_start|>user\n{input}<|im_end|>\n<|im_start|>assistant\n",
                "SUFFIX", "<|im_end|>",
                "SUFFIX_AS_EOS", true,
                "SEP", "\n",
                "STOP_WORDS", List.of("<|im_end|>", "<|endoftext|>")));
        put(templates, "gemma", Map.of(
                "SYSTEM", "<start_of_turn>system\n{system}<end_of_turn>\n",
                "INSTRUCTION", "<start_of_turn>user\n{input}<end_of_turn>\n<start_of_turn>model\n",
                "SUFFIX", "<end_of_turn>",
                "SUFFIX_AS_EOS", false,
                "SEP", "\n",
                "STOP_WORDS", List.of("<end_of_turn>")));
        put(templates, "cohere_chat", Map.of(
                "SYSTEM", "<|START_OF_TURN_TOKEN|><|SYSTEM_TOKEN|>{system}<|END_OF_TURN_TOKEN|>",
                "INSTRUCTION", "<|START_OF_TURN_TOKEN|><|USER_TOKEN|>{input}<|END_OF_TURN_TOKEN|><|START_OF_TURN_TOKEN|><|CHATBOT_TOKEN|>",
                "SUFFIX", "<|END_OF_TURN_TOKEN|>",
                "SUFFIX_AS_EOS", true,
                "STOP_WORDS", List.of("<|END_OF_TURN_TOKEN|>")));
        put(templates, "llama3_chat", Map.of(
                "SYSTEM", "<|start_header_id|>system<|end_header_id|>\n\n{system}<|eot_id|>",
                "INSTRUCTION", "<|start_header_id|>user<|end_header_id|>\n\n{input}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                "SUFFIX", "<|eot_id|>",
                "SUFFIX_AS_EOS", true,
                "STOP_WORDS", List.of("<|eot_id|>")));
        put(templates, "phi3_chat", Map.of(
                "SYSTEM", "<|system|>\n{system}<|end|>\n",
                "INSTRUCTION", "<|user|>\n{input}<|end|>\n<|assistant|>\n",
                "SUFFIX", "<|end|>",
                "SUFFIX_AS_EOS", true,
                "SEP", "\n",
                "STOP_WORDS", List.of("<|end|>")));
        return Collections.unmodifiableMap(templates);
    }
}

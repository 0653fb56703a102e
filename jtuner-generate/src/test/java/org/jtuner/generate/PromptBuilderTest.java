package org.jtuner.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.jtuner.models.llama.LlamaForCausalLM;
import org.jtuner.models.llava.LlavaForConditionalGeneration;
import org.jtuner.text.template.ChatTemplate;
import org.jtuner.text.template.PromptTemplates;
import org.jtuner.text.tokenizer.Tokenizer;
import org.jtuner.testing.Fixtures;
import org.jtuner.vision.PixelValues;
import org.junit.jupiter.api.Test;

/** Prompts of a conversation, by the tokenizer's Jinja chat template and by an XTuner template. */
class PromptBuilderTest {

    @Test
    void chatTemplatePromptEqualsTheTokenizersOwnRendering() throws Exception {
        // qwen3's fixture: a conversation rendered and tokenized by transformers' apply_chat_template
        try (LlamaForCausalLM llm = LlamaForCausalLM.load(Fixtures.path("tiny-qwen2"))) {
            Tokenizer qwen3 = Tokenizer.load(Fixtures.path("tokenizers", "qwen3"));
            ChatTemplate template = ChatTemplate.fromTokenizerConfig(Fixtures.path("tokenizers", "qwen3", "tokenizer_config.json"));
            PromptBuilder builder = PromptBuilder.chatTemplate(qwen3, GenerationModel.of(llm), template);
            Prompt p = builder.build("You are a helpful assistant.",
                    List.of(new PromptBuilder.Exchange("<image>\nDescribe the picture.", "A red circle on a white background.")),
                    "How many circles?", List.of());
            var fixture = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Fixtures.path("tokenizers", "qwen3", "encodings.json").toFile()).get("chat_template");
            int[] expected = new int[fixture.get("ids").size()];
            for (int i = 0; i < expected.length; i++) expected[i] = fixture.get("ids").get(i).asInt();
            assertThat(p.ids()).containsExactly(expected);
        }
    }

    @Test
    void xtunerTemplateLaysOutHistoryAsXtunerTrainsItAndExpandsImages() throws Exception {
        try (LlavaForConditionalGeneration llava = LlavaForConditionalGeneration.load(Fixtures.path("tiny-llava"))) {
            Tokenizer llama2 = Tokenizer.load(Fixtures.path("tokenizers", "llama2"));
            GenerationModel model = GenerationModel.of(llava);
            PromptBuilder builder = PromptBuilder.xtuner(llama2, model, PromptTemplates.get("vicuna"), new int[] {1}, new int[] {2});
            PixelValues image = new PixelValues(32, 32, new float[3 * 32 * 32]);
            Prompt p = builder.build("Be brief.", List.of(new PromptBuilder.Exchange("<image>\nWhat shape?", "A circle.")),
                    "And the colour?", List.of(image));
            // vicuna: SYSTEM "A chat ... questions. {system}\n ", INSTRUCTION "USER: {input} ASSISTANT:", SEP "\n";
            // round 1: BOS, system + instruction, answer, EOS, SEP; round 2: BOS, instruction
            String system = "A chat between a curious user and an artificial intelligence assistant. The assistant gives "
                    + "helpful, detailed, and polite answers to the user's questions. Be brief.\n ";
            List<Integer> expected = new ArrayList<>(List.of(1));
            add(expected, llama2.encode(system + "USER: ", false));
            for (int i = 0; i < model.tokensPerImage(); i++) expected.add(model.imageTokenIndex());
            add(expected, llama2.encode("\nWhat shape? ASSISTANT:", false));
            add(expected, llama2.encode("A circle.", false));
            expected.add(2);
            add(expected, llama2.encode("\n", false));
            expected.add(1);
            add(expected, llama2.encode("USER: And the colour? ASSISTANT:", false));
            assertThat(Arrays.stream(p.ids()).boxed().toList()).isEqualTo(expected);
            assertThat(builder.stopWords()).isEqualTo(PromptTemplates.get("vicuna").stopWords());
            assertThatThrownBy(() -> builder.build(null, List.of(), "<image>\n<image>\ntwo?", List.of(image)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 <image> placeholder(s) but 1 image(s)");
        }
    }

    private static void add(List<Integer> to, int[] ids) {
        for (int id : ids) to.add(id);
    }
}

package org.jtuner.generate.cot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.jtuner.text.cot.CotStages.Stage;
import org.junit.jupiter.api.Test;

/**
 * The comparison prompts are the paper's: judge_prompts.json was written by bench/reference/llava_cot_judge_prompts.py,
 * which runs the judge() method of PKU-YuanGroup/LLaVA-CoT inference/VLMEvalKit/inference_demo.py itself (with a
 * stand-in processor and model that record every chat message and answer "correct") on two fixed candidates.
 */
class JudgePromptsTest {
    @Test
    void everyStagesPromptEqualsThePapersByteForByte() throws Exception {
        JsonNode cases;
        try (InputStream in = getClass().getResourceAsStream("judge_prompts.json")) {
            cases = new ObjectMapper().readTree(in);
        }
        assertThat(cases).hasSize(4);
        for (JsonNode c : cases) {
            Stage stage = Stage.valueOf(c.get("stage").asText().toUpperCase(Locale.ROOT));
            String q = c.get("question").asText(), first = c.get("first").asText(), second = c.get("second").asText();
            JsonNode prompts = c.get("prompts");
            JsonNode comparison = prompts.get(prompts.size() - 1);
            assertThat(JudgePrompts.comparison(stage, q, first, second)).as("%s", stage).isEqualTo(comparison.get("text").asText());
            assertThat(comparison.get("image").asBoolean()).isTrue();
            if (stage == Stage.REASONING) {
                assertThat(prompts).hasSize(3);
                var checks = JudgePrompts.reasoningChecks(first, second);
                assertThat(checks).containsExactly(prompts.get(0).get("text").asText(), prompts.get(1).get("text").asText());
                assertThat(prompts.get(0).get("image").asBoolean()).isFalse();
            } else {
                assertThat(prompts).hasSize(1);
            }
        }
    }

    @Test
    void theRepliesAreReadAsThePaperReadsThem() {
        assertThat(JudgePrompts.choice("Since it is thorough, I choose response 1.")).isZero();
        assertThat(JudgePrompts.choice("Since it is thorough, I choose response 2.")).isEqualTo(1);
        assertThat(JudgePrompts.choice("gibberish")).as("anything else keeps the second").isEqualTo(1);
        assertThat(JudgePrompts.judgedIncorrect("The reasoning is incorrect.")).isTrue();
        assertThat(JudgePrompts.judgedIncorrect("correct")).isFalse();
    }
}

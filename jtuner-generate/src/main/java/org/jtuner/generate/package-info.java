/**
 * Generation: batched prefill and key/value-cache decoding for LLaVA and the language models alone
 * ({@link org.jtuner.generate.Generator}), the sampling rules of transformers' generate
 * ({@link org.jtuner.generate.TokenSampler}), stop words and stop strings with streaming that never shows a
 * partial stop string or half a UTF-8 character ({@link org.jtuner.generate.TextStream}), and prompts from XTuner
 * templates or a tokenizer's chat template ({@link org.jtuner.generate.PromptBuilder}).
 */
package org.jtuner.generate;

/**
 * Prompt templates, in two kinds.
 *
 * <ul>
 *   <li>XTuner's: {@link org.jtuner.text.template.PromptTemplates} holds the built-in
 *       {@link org.jtuner.text.template.PromptTemplate}s, and {@code render} lays a conversation of
 *       {@link org.jtuner.text.template.Turn}s out as the {@link org.jtuner.text.template.Segment}s that
 *       XTuner's template_map_fn and encode_fn tokenize one by one (inputs masked with -100, answers trained).</li>
 *   <li>Hugging Face's: {@link org.jtuner.text.template.ChatTemplate} renders the Jinja chat template of a
 *       tokenizer as transformers does, with Jinjava adjusted to Python Jinja's behaviour (see HfJinjava for
 *       the list of adjustments, each in its own class).</li>
 * </ul>
 */
package org.jtuner.text.template;

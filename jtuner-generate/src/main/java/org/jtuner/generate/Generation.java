package org.jtuner.generate;

/**
 * One row's result: the new tokens (an end token that stopped it included, as transformers returns it), the decoded
 * text (special tokens left out, cut before a stop string; null without a tokenizer) and why it stopped.
 */
public record Generation(int[] tokens, String text, FinishReason finishReason, int promptTokens) {}

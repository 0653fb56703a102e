package org.jtuner.text.tokenizer;

/**
 * A token of {@code added_tokens}: matched in the raw text before the model sees it. {@code special} ones are
 * dropped by {@code decode(ids, true)}; {@code normalized} ones are matched in normalized text instead of raw text;
 * {@code lstrip}/{@code rstrip} take the whitespace beside the match with them; {@code singleWord} matches only
 * when not inside a word.
 */
public record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                         boolean normalized) {}

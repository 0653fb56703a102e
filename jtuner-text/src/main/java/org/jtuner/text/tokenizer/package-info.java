/**
 * Hugging Face {@code tokenizer.json} tokenizers, giving the ids, tokens and decodings of the tokenizers library.
 *
 * <p>{@link org.jtuner.text.tokenizer.Tokenizer} is the entry point. Encoding follows the reference's pipeline:
 * {@code AddedVocabulary} splits the added tokens out of the raw text; each remaining piece is normalized
 * ({@code normalizer}), cut into words ({@code pretokenizer}), and each word turned into ids ({@code model});
 * a {@code processor} adds special tokens such as BOS. Decoding maps ids to token strings and runs the
 * {@code decoder} chain.
 *
 * <p>Each component kind has a registry ({@code Normalizers}, {@code PreTokenizers}, {@code Models},
 * {@code Decoders}, {@code PostProcessors}) that maps the JSON {@code "type"} to a factory; a new type plugs in
 * with {@code register(type, spec -> ...)}, reading its settings through {@code JsonSpec}, whose errors name the
 * place in the file. Components are immutable and thread-safe.
 *
 * <p>{@code TokenizerBench} is the jtuner side of {@code bench/tokenizer.sh}.
 */
package org.jtuner.text.tokenizer;

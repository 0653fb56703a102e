/**
 * LLaVA training data with XTuner's semantics: {@link org.jtuner.data.DataConfig} (the run config's {@code data}
 * section), {@link org.jtuner.data.LlavaDataset} (rows read, mapped by {@link org.jtuner.data.LlavaMapFn},
 * templated and encoded by {@link org.jtuner.data.SampleEncoder}), {@link org.jtuner.data.DataLoader} (images
 * decoded in workers, batches by {@link org.jtuner.data.Collator}) and the samplers of
 * {@link org.jtuner.data.sampler}. {@link org.jtuner.data.LlavaData} assembles them from a config.
 *
 * <p>Each image is {@code image_seq_length} copies of {@code image_token_index} in {@code input_ids} (Hugging Face
 * LLaVA's layout), not XTuner's single {@code -200} placeholder, so {@code max_length}, masks and positions count
 * the real sequence; a batch carries pixels only for the images it holds.
 */
package org.jtuner.data;

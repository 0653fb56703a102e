package org.jtuner.models.mllama;

import org.jtuner.tensor.Tensor;

/**
 * What the full model needs from the tiled vision encoder (transformers' MllamaVisionModel): pixel_values
 * [B, images, tiles, 3, H, W], aspect_ratio_ids I32 [B, images], aspect_ratio_mask I32 [B, images, tiles] →
 * [B, images, tiles, tokens, vision_output_dim]. Implementations are Modules (registered as {@code vision_model}).
 */
public interface MllamaVisionEncoder {
    Tensor forward(Tensor pixelValues, Tensor aspectRatioIds, Tensor aspectRatioMask);
}

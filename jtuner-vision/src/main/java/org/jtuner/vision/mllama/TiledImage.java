package org.jtuner.vision.mllama;

/**
 * One image as {@code MllamaImageProcessor} returns it: {@code pixels} is {@code [max_tiles, 3, tile, tile]}
 * (tiles past {@code arrangement.tiles()} are 0), {@code resizedHeight × resizedWidth} the size it was resized
 * to on its canvas.
 */
public record TiledImage(TiledCanvas.Arrangement arrangement, int resizedHeight, int resizedWidth, float[] pixels) {
    public int numTiles() {
        return arrangement.tiles();
    }
}

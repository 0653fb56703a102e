package org.jtuner.vision.mllama;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@code MllamaImageProcessor} lays an image onto tiles: the supported tile arrangements, the canvas it picks
 * for an image, and the size the image is resized to on that canvas. Same arithmetic (float64, exact comparisons)
 * as transformers 4.47's {@code get_optimal_tiled_canvas} and {@code get_image_size_fit_to_canvas}.
 */
public final class TiledCanvas {
    private TiledCanvas() {}

    /** A grid of tiles, {@code high} rows by {@code wide} columns. */
    public record Arrangement(int high, int wide) {
        public int tiles() {
            return high * wide;
        }
    }

    /**
     * Every (a, b) with a·b ≤ maxTiles, a outer: transformers' {@code get_all_supported_aspect_ratios}. Its
     * position + 1 is an image's {@code aspect_ratio_id}; the canvas code reads a as the tile rows.
     */
    public static List<Arrangement> supportedArrangements(int maxTiles) {
        List<Arrangement> out = new ArrayList<>();
        for (int a = 1; a <= maxTiles; a++) {
            for (int b = 1; b <= maxTiles; b++) if (a * b <= maxTiles) out.add(new Arrangement(a, b));
        }
        return out;
    }

    /** {@code aspect_ratio_id}: 1 + the arrangement's index among the supported ones (0 means no image). */
    public static int aspectRatioId(Arrangement arrangement, int maxTiles) {
        int i = supportedArrangements(maxTiles).indexOf(arrangement);
        if (i < 0) throw new IllegalArgumentException(arrangement + " is not a supported arrangement for " + maxTiles + " tiles");
        return i + 1;
    }

    /**
     * The canvas for an image: the smallest upscale ≥ 1 among the arrangements, else the mildest downscale; ties go
     * to the smallest canvas area (the first of equal areas).
     */
    public static Arrangement optimalCanvas(int imageHeight, int imageWidth, int maxTiles, int tileSize) {
        List<Arrangement> all = supportedArrangements(maxTiles);
        double[] scales = new double[all.size()];
        for (int i = 0; i < scales.length; i++) {
            double sh = (double) (all.get(i).high * tileSize) / imageHeight;
            double sw = (double) (all.get(i).wide * tileSize) / imageWidth;
            scales[i] = sw > sh ? sh : sw;
        }
        double selected = Double.NaN;
        for (double s : scales) if (s >= 1 && (Double.isNaN(selected) || s < selected)) selected = s;
        if (Double.isNaN(selected)) {
            for (double s : scales) if (Double.isNaN(selected) || s > selected) selected = s;
        }
        Arrangement best = null;
        for (int i = 0; i < scales.length; i++) {
            if (scales[i] != selected) continue;
            if (best == null || all.get(i).tiles() < best.tiles()) best = all.get(i);
        }
        return best;
    }

    /**
     * {@code [height, width]} the image is resized to: each side clipped to [tile, canvas], then the side with the
     * smaller scale is kept and the other follows the aspect ratio (floored, never past its clipped target).
     */
    public static int[] fitToCanvas(int imageHeight, int imageWidth, int canvasHeight, int canvasWidth, int tileSize) {
        int targetWidth = Math.clamp(imageWidth, tileSize, canvasWidth);
        int targetHeight = Math.clamp(imageHeight, tileSize, canvasHeight);
        double scaleH = (double) targetHeight / imageHeight;
        double scaleW = (double) targetWidth / imageWidth;
        if (scaleW < scaleH) {
            return new int[] {Math.min((int) Math.floor(imageHeight * scaleW), targetHeight), targetWidth};
        }
        return new int[] {targetHeight, Math.min((int) Math.floor(imageWidth * scaleH), targetWidth)};
    }
}

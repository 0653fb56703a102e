package org.jtuner.nn.optim;

/**
 * XTuner's LLaVA schedule, per iteration: mmengine's LinearLR from {@code startFactor}·lr up to lr over the
 * warm-up iterations, then CosineAnnealingLR from lr down to {@code etaMin} over the rest.
 */
public record LrSchedule(double baseLr, double etaMin, long warmupIters, long totalIters, double startFactor) {
    public static LrSchedule warmupCosine(double baseLr, double etaMin, double warmupRatio, long totalIters) {
        return new LrSchedule(baseLr, etaMin, (long) (warmupRatio * totalIters), totalIters, 1e-5);
    }

    /** The learning rate for iteration {@code iter} (0-based). */
    public double lr(long iter) {
        if (iter < warmupIters) {
            double progress = (double) iter / warmupIters;
            return baseLr * (startFactor + (1 - startFactor) * progress);
        }
        long cosineIters = Math.max(1, totalIters - warmupIters);
        double t = Math.min(iter - warmupIters, cosineIters);
        return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / cosineIters)) / 2;
    }
}

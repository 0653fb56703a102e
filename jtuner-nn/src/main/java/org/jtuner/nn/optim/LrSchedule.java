package org.jtuner.nn.optim;

/**
 * A learning-rate schedule per iteration: a linear warm-up over {@code warmupIters}, then one of three shapes
 * over the rest.
 * <ul>
 *   <li>{@link Kind#COSINE}: XTuner's LLaVA schedule, mmengine's LinearLR from {@code startFactor}·lr up to lr,
 *       then CosineAnnealingLR from lr down to {@code etaMin};</li>
 *   <li>{@link Kind#LINEAR}: transformers' {@code get_linear_schedule_with_warmup} (warm-up from 0, then a
 *       straight line to {@code etaMin} at {@code totalIters}; with etaMin 0 exactly its lambda times lr);</li>
 *   <li>{@link Kind#CONSTANT}: transformers' {@code get_constant_schedule_with_warmup} (warm-up from 0, then lr).</li>
 * </ul>
 */
public record LrSchedule(Kind kind, double baseLr, double etaMin, long warmupIters, long totalIters,
                         double startFactor) {
    public enum Kind {
        COSINE, LINEAR, CONSTANT;

        /** The config spelling ({@code cosine}, {@code linear}, {@code constant}). */
        public static Kind parse(String name) {
            for (Kind k : values()) if (k.name().equalsIgnoreCase(name)) return k;
            throw new IllegalArgumentException("optim.scheduler must be cosine, linear or constant, got '" + name + "'");
        }
    }

    public LrSchedule {
        if (warmupIters < 0) throw new IllegalArgumentException("warm-up iterations must be >= 0, got " + warmupIters);
    }

    /** The warm-up length: {@code warmupSteps} when given (as transformers lets it override the ratio), else the ratio's share. */
    public static long warmupIters(Long warmupSteps, double warmupRatio, long totalIters) {
        return warmupSteps != null ? warmupSteps : (long) (warmupRatio * totalIters);
    }

    public static LrSchedule of(Kind kind, double baseLr, double etaMin, long warmupIters, long totalIters) {
        // mmengine's LinearLR (XTuner) starts at 1e-5·lr; transformers' warm-up starts at 0
        return new LrSchedule(kind, baseLr, etaMin, warmupIters, totalIters, kind == Kind.COSINE ? 1e-5 : 0.0);
    }

    public static LrSchedule warmupCosine(double baseLr, double etaMin, double warmupRatio, long totalIters) {
        return of(Kind.COSINE, baseLr, etaMin, (long) (warmupRatio * totalIters), totalIters);
    }

    /** The learning rate for iteration {@code iter} (0-based). */
    public double lr(long iter) {
        if (iter < warmupIters) {
            double progress = (double) iter / warmupIters;
            return baseLr * (startFactor + (1 - startFactor) * progress);
        }
        long decayIters = Math.max(1, totalIters - warmupIters);
        double t = Math.min(iter - warmupIters, decayIters);
        return switch (kind) {
            case COSINE -> etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * t / decayIters)) / 2;
            case LINEAR -> etaMin + (baseLr - etaMin) * (decayIters - t) / decayIters;
            case CONSTANT -> baseLr;
        };
    }
}

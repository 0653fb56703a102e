package org.jtuner.train;

import java.io.PrintStream;
import java.util.Locale;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: a progress bar with loss, learning rate, tokens/s and time left on a terminal; plain
 * lines every {@code every} iterations otherwise (logs, CI), so that output stays readable when redirected.
 */
public final class TrainingProgress implements AutoCloseable {
    private final String task;
    private final PrintStream out;
    private final int every;
    private ProgressBar bar;
    private double tokens, seconds;
    private final long startNanos = System.nanoTime();

    public TrainingProgress(String task, PrintStream out, int every) {
        this.task = task;
        this.out = out;
        this.every = Math.max(1, every);
    }

    /** No output at all (tests). */
    public static TrainingProgress silent() {
        return new TrainingProgress("", null, 1);
    }

    public void update(Trainer.StepReport r, long total) {
        if (out == null) return;
        tokens += r.tokens();
        seconds += r.seconds();
        String extra = String.format(Locale.ROOT, "loss %.4f lr %.2e %,.0f tok/s", r.loss(), r.lr(),
                seconds > 0 ? tokens / seconds : 0);
        if (System.console() != null) {
            if (bar == null) {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                        .showSpeed().build();
            }
            bar.stepTo(r.iteration());
            bar.setExtraMessage(" " + extra);
        } else if (r.iteration() % every == 0 || r.iteration() == total || r.iteration() == 1) {
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            double left = elapsed / r.iteration() * (total - r.iteration());
            out.printf(Locale.ROOT, "%s %d/%d  %s  %s left%n", task, r.iteration(), total, extra, duration(left));
        }
    }

    static String duration(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%dh%02dm", t / 3600, t / 60 % 60) : String.format("%dm%02ds", t / 60, t % 60);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
        bar = null;
    }
}

package org.jtuner.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** {@code loss.png}: loss (left axis) and learning rate (right axis) against the step, drawn with XChart. */
public final class LossPlot {
    private LossPlot() {}

    public static void write(Path png, List<MetricsLog.Step> steps, String title) {
        if (steps.isEmpty()) return;
        System.setProperty("java.awt.headless", "true");
        double[] x = new double[steps.size()], loss = new double[steps.size()], lr = new double[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            x[i] = steps.get(i).step();
            loss[i] = steps.get(i).loss();
            lr[i] = steps.get(i).lr();
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title(title).xAxisTitle("step").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        XYSeries l = chart.addSeries("loss", x, loss);
        l.setMarker(SeriesMarkers.NONE);
        l.setYAxisGroup(0);
        XYSeries r = chart.addSeries("learning rate", x, lr);
        r.setMarker(SeriesMarkers.NONE);
        r.setYAxisGroup(1);
        chart.setYAxisGroupTitle(0, "loss");
        chart.setYAxisGroupTitle(1, "learning rate");
        chart.getStyler().setYAxisGroupPosition(1, org.knowm.xchart.style.Styler.YAxisPosition.Right);
        try {
            BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
    }
}

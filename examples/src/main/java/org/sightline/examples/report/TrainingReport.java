package org.sightline.examples.report;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.sightline.train.EpochMetrics;
import org.sightline.train.Evaluation;

/**
 * What a person looks at after {@code sightline train} or {@code evaluate}: loss and accuracy curves
 * per epoch (training and validation), the confusion matrix as a heat map with class names, and an
 * HTML page tying them to the run's settings and final metrics. Plots are drawn by XChart; AWT must
 * run headless ({@code -Djava.awt.headless=true}) where there is no display.
 *
 * @param title      the page heading, e.g. "Training on tensorflow"
 * @param settings   what produced the result (backend, dataset, epochs, ...), shown in this order
 * @param epochs     per-epoch metrics; empty when there is no training history (no curves are drawn)
 * @param evaluation the final evaluation on the test images
 */
public record TrainingReport(String title, Map<String, String> settings, List<EpochMetrics> epochs,
        Evaluation evaluation) {
    public static final int CURVE_WIDTH = 800;
    public static final int CURVE_HEIGHT = 500;
    public static final int CONFUSION_WIDTH = 900;
    public static final int CONFUSION_HEIGHT = 800;

    /** Light to dark blue: black cell values stay readable on the darkest cell. */
    private static final Color[] HEAT_COLORS = {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x2171B5)};

    public TrainingReport {
        Objects.requireNonNull(title, "title");
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        epochs = List.copyOf(epochs);
        Objects.requireNonNull(evaluation, "evaluation");
    }

    /**
     * The files a report wrote; the curves are absent without epochs.
     *
     * @param html the page, referring to the plots by their file names
     */
    public record Written(Path html, Optional<Path> lossPlot, Optional<Path> accuracyPlot, Path confusionPlot) {

        /** Every PNG written, curves first. */
        public List<Path> plots() {
            List<Path> plots = new ArrayList<>();
            lossPlot.ifPresent(plots::add);
            accuracyPlot.ifPresent(plots::add);
            plots.add(confusionPlot);
            return plots;
        }
    }

    /**
     * Writes {@code <base>.html} and its plots {@code <base>.loss.png}, {@code <base>.accuracy.png}
     * and {@code <base>.confusion.png} into {@code folder}, replacing older ones.
     */
    public Written write(Path folder, String baseName) throws IOException {
        Files.createDirectories(folder);
        Optional<Path> loss = Optional.empty();
        Optional<Path> accuracy = Optional.empty();
        if (!epochs.isEmpty()) {
            loss = Optional.of(png(lossChart(), folder.resolve(baseName + ".loss.png")));
            accuracy = Optional.of(png(accuracyChart(), folder.resolve(baseName + ".accuracy.png")));
        }
        Path confusion = png(confusionChart(), folder.resolve(baseName + ".confusion.png"));
        Written written = new Written(folder.resolve(baseName + ".html"), loss, accuracy, confusion);
        Files.writeString(written.html(), html(written), StandardCharsets.UTF_8);
        return written;
    }

    XYChart lossChart() {
        XYChart chart = curves("Loss per epoch", "categorical cross-entropy", EpochMetrics::loss, EpochMetrics::validationLoss,
                "loss", LegendPosition.InsideNE);
        // From zero, as accuracy from 0 to 1: a one-epoch run would otherwise span the plot with two points.
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        return chart;
    }

    XYChart accuracyChart() {
        XYChart chart = curves("Accuracy per epoch", "accuracy", EpochMetrics::accuracy,
                EpochMetrics::validationAccuracy, "accuracy", LegendPosition.InsideSE);
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        chart.getStyler().setYAxisDecimalPattern("0.0");
        return chart;
    }

    private XYChart curves(String chartTitle, String yTitle, Function<EpochMetrics, Double> training,
            Function<EpochMetrics, OptionalDouble> validation, String metric, LegendPosition legend) {
        XYChart chart = new XYChartBuilder().width(CURVE_WIDTH).height(CURVE_HEIGHT).title(chartTitle)
                .xAxisTitle("epoch").yAxisTitle(yTitle).build();
        XYStyler styler = chart.getStyler();
        styler.setXAxisDecimalPattern("0");
        // Loss falls and accuracy rises: the legend goes in the corner the curves leave free.
        styler.setLegendPosition(legend);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setMarkerSize(7);
        double[] x = epochs.stream().mapToDouble(e -> e.epoch() + 1).toArray();
        chart.addSeries("training " + metric, x, epochs.stream().mapToDouble(training::apply).toArray())
                .setMarker(SeriesMarkers.CIRCLE);
        // A validation curve only where every epoch was validated: a gap would draw a false line.
        if (epochs.stream().allMatch(e -> validation.apply(e).isPresent())) {
            chart.addSeries("validation " + metric, x,
                    epochs.stream().mapToDouble(e -> validation.apply(e).getAsDouble()).toArray())
                    .setMarker(SeriesMarkers.DIAMOND);
        }
        return chart;
    }

    HeatMapChart confusionChart() {
        List<String> names = evaluation.classNames();
        HeatMapChart chart = new HeatMapChartBuilder().width(CONFUSION_WIDTH).height(CONFUSION_HEIGHT)
                .title(String.format(Locale.ROOT, "Confusion matrix: %,d test images, accuracy %.4f",
                        evaluation.count(), evaluation.accuracy()))
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        HeatMapStyler styler = chart.getStyler();
        styler.setRangeColors(HEAT_COLORS).setShowValue(true).setDrawBorder(true)
                .setHeatMapValueDecimalPattern("#,##0").setLegendPosition(LegendPosition.OutsideE);
        styler.setMin(0); // white means no image, even when every cell has some
        styler.setXAxisLabelRotation(35);
        styler.setPlotGridLinesVisible(false);
        styler.setChartBackgroundColor(Color.WHITE);
        // Rows top-down in label order, as the confusion matrix is printed: y index 0 is the bottom.
        List<String> rowsBottomUp = new ArrayList<>(names);
        Collections.reverse(rowsBottomUp);
        int[][] confusion = evaluation.confusion();
        List<Number[]> cells = new ArrayList<>();
        for (int label = 0; label < names.size(); label++) {
            for (int predicted = 0; predicted < names.size(); predicted++) {
                cells.add(new Number[] {predicted, names.size() - 1 - label, confusion[label][predicted]});
            }
        }
        chart.addSeries("images", names, rowsBottomUp, cells);
        return chart;
    }

    private static Path png(Chart<?, ?> chart, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG);
        }
        return file;
    }

    String html(Written written) {
        StringBuilder s = new StringBuilder();
        s.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n")
                .append("body { font-family: sans-serif; margin: 2em; max-width: 1000px; }\n")
                .append("table { border-collapse: collapse; margin-bottom: 1.5em; }\n")
                .append("td, th { border: 1px solid #ccc; padding: 0.25em 0.75em; text-align: left; }\n")
                .append("td.number { text-align: right; font-variant-numeric: tabular-nums; }\n")
                .append("img { display: block; margin-bottom: 1em; max-width: 100%; }\n")
                .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n");

        s.append("<h2>Settings</h2>\n<table>\n");
        settings.forEach((key, value) -> row(s, key, value));
        s.append("</table>\n");

        s.append("<h2>Result</h2>\n<table>\n");
        row(s, "test images", String.format(Locale.ROOT, "%,d", evaluation.count()));
        row(s, "test accuracy", String.format(Locale.ROOT, "%.4f", evaluation.accuracy()));
        row(s, "test loss", String.format(Locale.ROOT, "%.4f", evaluation.loss()));
        if (!epochs.isEmpty()) {
            EpochMetrics last = epochs.get(epochs.size() - 1);
            row(s, "epochs", Integer.toString(last.epoch() + 1));
            row(s, "last epoch", last.format());
        }
        s.append("</table>\n");

        if (!epochs.isEmpty()) {
            s.append("<h2>Training curves</h2>\n");
            image(s, written.lossPlot().orElseThrow(), "Loss per epoch", CURVE_WIDTH, CURVE_HEIGHT);
            image(s, written.accuracyPlot().orElseThrow(), "Accuracy per epoch", CURVE_WIDTH, CURVE_HEIGHT);
        }
        s.append("<h2>Confusion matrix</h2>\n<p>Rows: true class; columns: predicted class.</p>\n");
        image(s, written.confusionPlot(), "Confusion matrix", CONFUSION_WIDTH, CONFUSION_HEIGHT);

        s.append("<h2>Per class</h2>\n<table>\n<tr><th>class</th><th>precision</th><th>recall</th></tr>\n");
        for (int c = 0; c < evaluation.classNames().size(); c++) {
            s.append(String.format(Locale.ROOT, "<tr><td>%s</td><td class=\"number\">%.4f</td>"
                    + "<td class=\"number\">%.4f</td></tr>%n", escape(evaluation.classNames().get(c)),
                    evaluation.precision(c), evaluation.recall(c)));
        }
        s.append("</table>\n");

        if (!epochs.isEmpty()) {
            s.append("<h2>Epochs</h2>\n<table>\n<tr><th>epoch</th><th>loss</th><th>accuracy</th>"
                    + "<th>val_loss</th><th>val_accuracy</th></tr>\n");
            for (EpochMetrics e : epochs) {
                s.append(String.format(Locale.ROOT, "<tr><td class=\"number\">%d</td><td class=\"number\">%.4f</td>"
                        + "<td class=\"number\">%.4f</td><td class=\"number\">%s</td><td class=\"number\">%s</td>"
                        + "</tr>%n", e.epoch() + 1, e.loss(), e.accuracy(), cell(e.validationLoss()),
                        cell(e.validationAccuracy())));
            }
            s.append("</table>\n");
        }
        return s.append("</body>\n</html>\n").toString();
    }

    private static void row(StringBuilder s, String key, String value) {
        s.append("<tr><th>").append(escape(key)).append("</th><td>").append(escape(value)).append("</td></tr>\n");
    }

    private static void image(StringBuilder s, Path file, String alt, int width, int height) {
        // Relative to the page, so the folder can be moved or published as a whole.
        s.append("<img src=\"").append(escape(file.getFileName().toString())).append("\" alt=\"").append(escape(alt))
                .append("\" width=\"").append(width).append("\" height=\"").append(height).append("\">\n");
    }

    private static String cell(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.4f", value.getAsDouble()) : "";
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}

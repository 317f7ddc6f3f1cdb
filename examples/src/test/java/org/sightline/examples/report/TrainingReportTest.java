package org.sightline.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sightline.train.EpochMetrics;
import org.sightline.train.Evaluation;

public class TrainingReportTest {
    static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover");

    static Evaluation evaluation() {
        return new Evaluation(0.61, 0.7, new int[][] {{30, 5, 5}, {2, 36, 2}, {10, 6, 24}}, CLASSES);
    }

    static List<EpochMetrics> epochs() {
        return List.of(
                new EpochMetrics(0, 1.2, 0.55, OptionalDouble.of(0.9), OptionalDouble.of(0.62), Duration.ofSeconds(3)),
                new EpochMetrics(1, 0.8, 0.68, OptionalDouble.of(0.7), OptionalDouble.of(0.66), Duration.ofSeconds(3)),
                new EpochMetrics(2, 0.6, 0.75, OptionalDouble.of(0.61), OptionalDouble.of(0.70), Duration.ofSeconds(3)));
    }

    static Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("backend", "tensorflow");
        settings.put("dataset", "fashion-mnist <local>");
        settings.put("epochs", "3");
        return settings;
    }

    @Test
    void writesPngsOfTheDeclaredSizeAndAPageReferringToThem(@TempDir Path dir) throws Exception {
        TrainingReport report = new TrainingReport("Training on tensorflow", settings(), epochs(), evaluation());
        TrainingReport.Written written = report.write(dir.resolve("run"), "model.training");

        assertEquals(dir.resolve("run/model.training.html"), written.html());
        assertEquals(List.of(dir.resolve("run/model.training.loss.png"), dir.resolve("run/model.training.accuracy.png"),
                dir.resolve("run/model.training.confusion.png")), written.plots());
        assertPng(written.lossPlot().orElseThrow(), TrainingReport.CURVE_WIDTH, TrainingReport.CURVE_HEIGHT);
        assertPng(written.accuracyPlot().orElseThrow(), TrainingReport.CURVE_WIDTH, TrainingReport.CURVE_HEIGHT);
        assertPng(written.confusionPlot(), TrainingReport.CONFUSION_WIDTH, TrainingReport.CONFUSION_HEIGHT);

        String html = Files.readString(written.html());
        for (Path plot : written.plots()) {
            assertTrue(html.contains("<img src=\"" + plot.getFileName() + "\""), plot + " in\n" + html);
        }
        assertTrue(html.contains("<tr><th>backend</th><td>tensorflow</td></tr>"), html);
        assertTrue(html.contains("<tr><th>dataset</th><td>fashion-mnist &lt;local&gt;</td></tr>"), "escaped");
        assertTrue(html.contains("<tr><th>test accuracy</th><td>0.7000</td></tr>"), html);
        assertTrue(html.contains("<td>T-shirt/top</td><td class=\"number\">0.7143</td><td class=\"number\">0.7500</td>"),
                "precision 30/42, recall 30/40");
        assertTrue(html.indexOf("backend") < html.indexOf("dataset"), "settings keep their order");
    }

    @Test
    void withoutHistoryOnlyTheConfusionMatrixIsDrawn(@TempDir Path dir) throws Exception {
        TrainingReport report = new TrainingReport("Evaluation", settings(), List.of(), evaluation());
        TrainingReport.Written written = report.write(dir, "model.evaluation");

        assertEquals(List.of(dir.resolve("model.evaluation.confusion.png")), written.plots());
        assertFalse(Files.exists(dir.resolve("model.evaluation.loss.png")));
        assertPng(written.confusionPlot(), TrainingReport.CONFUSION_WIDTH, TrainingReport.CONFUSION_HEIGHT);
        String html = Files.readString(written.html());
        assertFalse(html.contains("Training curves"), html);
        assertTrue(html.contains("<img src=\"model.evaluation.confusion.png\""), html);
    }

    @Test
    void validationCurveOnlyWhenEveryEpochWasValidated() {
        List<EpochMetrics> partly = List.of(epochs().get(0),
                new EpochMetrics(1, 0.8, 0.68, OptionalDouble.empty(), OptionalDouble.empty(), Duration.ZERO));
        TrainingReport report = new TrainingReport("t", Map.of(), partly, evaluation());
        assertEquals(List.of("training loss"), List.copyOf(report.lossChart().getSeriesMap().keySet()));
        TrainingReport full = new TrainingReport("t", Map.of(), epochs(), evaluation());
        assertEquals(List.of("training accuracy", "validation accuracy"),
                List.copyOf(full.accuracyChart().getSeriesMap().keySet()));
    }

    @Test
    void confusionCellsPutTheFirstClassInTheTopRow() {
        var series = new TrainingReport("t", Map.of(), List.of(), evaluation()).confusionChart().getHeatMapSeries();
        assertEquals(CLASSES, series.getXData());
        assertEquals(List.of("Pullover", "Trouser", "T-shirt/top"), series.getYData());
        // true T-shirt/top (top row, y = 2) predicted as Trouser (x = 1): 5 images
        Number[] cell = null;
        for (Number[] c : series.getHeatData()) {
            if (c[0].intValue() == 1 && c[1].intValue() == 2) {
                cell = c;
            }
        }
        assertNotNull(cell);
        assertEquals(5, cell[2].intValue());
    }

    @Test
    void escapesMarkup() {
        assertEquals("a &lt;b&gt; &amp; &quot;c&quot;", TrainingReport.escape("a <b> & \"c\""));
    }

    /** Reads the file back as PNG (by its signature, not its name) and checks its pixel size. */
    public static void assertPng(Path file, int width, int height) throws Exception {
        try (InputStream in = Files.newInputStream(file); ImageInputStream stream = ImageIO.createImageInputStream(in)) {
            ImageReader reader = ImageIO.getImageReaders(stream).next();
            assertEquals("png", reader.getFormatName().toLowerCase(java.util.Locale.ROOT), file.toString());
            reader.dispose();
        }
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " is not an image");
        assertEquals(width, image.getWidth(), file.toString());
        assertEquals(height, image.getHeight(), file.toString());
    }
}

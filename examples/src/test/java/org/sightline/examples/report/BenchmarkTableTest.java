package org.sightline.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;
import org.sightline.examples.report.BenchmarkTable.Line;

/** Results as the three benchmarks give them (their own tests check that they do). */
class BenchmarkTableTest {
    static final BenchmarkResult TF = new BenchmarkResult("tensorflow", List.of(
            Figure.against("training step, batch 64", "ms", 200, "plain TF graph", 180),
            Figure.against("inference, batch 256", "img/s", 1000, "plain TF graph", 1100)),
            "tensorflow's report\nof two lines");
    static final BenchmarkResult ONNX = onnx(256);
    static final BenchmarkResult DL4J = new BenchmarkResult("dl4j", List.of(
            Figure.of("training step, batch 64", "ms", 400), Figure.of("inference, batch 256", "img/s", 500)),
            "dl4j's report");

    static BenchmarkResult onnx(int batch) {
        return new BenchmarkResult("onnx", List.of(
                Figure.against("inference, batch " + batch, "img/s", 1500, "bare OrtSession", 1450),
                Figure.against("latency, batch 1", "ms", 2.5, "bare OrtSession", 2.0)), "onnx's report");
    }

    @Test
    void ratiosAreSpeedRatiosWhateverTheUnit() {
        List<Line> lines = new BenchmarkTable(List.of(TF, ONNX, DL4J)).lines();
        assertEquals(7, lines.size());
        assertLine(lines.get(0), "tensorflow", "plain TF graph", "training step, batch 64", 0.9);
        assertLine(lines.get(1), "tensorflow", "plain TF graph", "inference, batch 256", 1000 / 1100.0);
        assertLine(lines.get(2), "onnx", "bare OrtSession", "inference, batch 256", 1500 / 1450.0);
        assertLine(lines.get(3), "onnx", "bare OrtSession", "latency, batch 1", 0.8);
        assertLine(lines.get(4), "dl4j", "tensorflow backend", "training step, batch 64", 0.5);
        assertLine(lines.get(5), "dl4j", "tensorflow backend", "inference, batch 256", 0.5);
        assertLine(lines.get(6), "onnx", "tensorflow backend", "inference, batch 256", 1.5);
    }

    @Test
    void withoutTensorFlowDl4jHasNoBaseline() {
        BenchmarkTable table = new BenchmarkTable(List.of(ONNX, DL4J));
        List<Line> lines = table.lines();
        assertEquals(4, lines.size(), "no comparison with tensorflow");
        assertTrue(Double.isNaN(lines.get(2).speedRatio()));
        String text = table.table();
        assertTrue(text.contains("dl4j        (tensorflow not run)  training step, batch 64                400.00 ms"
                + "             -            -"), text);
    }

    @Test
    void tableAlignsTheFiguresAndAppendsEachBenchmarksReport() {
        String text = new BenchmarkTable(List.of(TF, ONNX)).table();
        List<String> lines = text.lines().toList();
        assertEquals("backend     versus                figure                                   backend      baseline"
                + "  speed ratio", lines.get(0));
        assertEquals("tensorflow  plain TF graph        training step, batch 64                200.00 ms     180.00 ms"
                + "        0.900", lines.get(1));
        assertEquals("onnx        bare OrtSession       inference, batch 256                 1,500 img/s   1,450 img/s"
                + "        1.034", lines.get(3));
        assertTrue(text.contains(TF.report()), text);
        assertTrue(text.indexOf(ONNX.report()) > text.indexOf(TF.report()), text);
        assertTrue(text.lines().noneMatch(l -> l.startsWith("dl4j")), text);
    }

    @Test
    void onnxAgainstTensorFlowOnlyAtTheSameBatchSize() {
        List<Line> lines = new BenchmarkTable(List.of(TF, onnx(32))).lines();
        assertEquals(4, lines.size());
        assertEquals("inference, batch 32", lines.get(2).figure());
    }

    private static void assertLine(Line line, String backend, String versus, String figure, double ratio) {
        assertEquals(backend, line.backend());
        assertEquals(versus, line.versus());
        assertEquals(figure, line.figure());
        assertEquals(ratio, line.speedRatio(), 1e-9, line.toString());
    }
}

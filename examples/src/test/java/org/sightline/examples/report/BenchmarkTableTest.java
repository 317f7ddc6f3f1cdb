package org.sightline.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sightline.bench.CpuPeak;
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

    /** DJL's figures as the peer benchmark gives them: no baseline of its own, the work in FLOPs. */
    static final BenchmarkResult DJL = new BenchmarkResult("djl-pytorch", List.of(
            Figure.of("training step, batch 64", "ms", 250).withFlops(64 * 216e6),
            Figure.of("inference, batch 256", "img/s", 1200).withFlops(72e6),
            Figure.of("latency, batch 1", "ms", 2.0).withFlops(72e6)), "djl's report");

    @Test
    void aPeerIsComparedWithTensorFlowAndWithSightlinesBestWhereThatIsAnotherBackend() {
        List<Line> lines = new BenchmarkTable(List.of(TF, ONNX, DL4J, DJL), Set.of("djl-pytorch"), null).lines();
        assertEquals(12, lines.size(), lines.toString());
        assertLine(lines.get(6), "djl-pytorch", "tensorflow backend", "training step, batch 64", 200 / 250.0);
        assertLine(lines.get(7), "djl-pytorch", "tensorflow backend", "inference, batch 256", 1.2);
        assertTrue(Double.isNaN(lines.get(8).speedRatio()), "tensorflow measured no latency");
        assertLine(lines.get(9), "onnx", "tensorflow backend", "inference, batch 256", 1.5);
        // tensorflow is the best at training (200 ms against dl4j's 400): no second line. onnx is the best at
        // inference (1,500 img/s) and the only one with a latency.
        assertLine(lines.get(10), "djl-pytorch", "best: onnx", "inference, batch 256", 1200 / 1500.0);
        assertLine(lines.get(11), "djl-pytorch", "best: onnx", "latency, batch 1", 1.25);
    }

    @Test
    void withAPeakEachFigureShowsItsShareOfIt() {
        CpuPeak peak = CpuPeak.given(100);
        BenchmarkTable table = new BenchmarkTable(List.of(TF, DJL), Set.of("djl-pytorch"), peak);
        Line step = table.lines().get(2);
        // 64 images × 216 MFLOP in 250 ms: 55.3 GFLOP/s.
        assertEquals(55.296, step.percentOfPeak(peak, step.measured()), 1e-9);
        assertEquals(69.12, step.percentOfPeak(peak, step.baseline()), 1e-9);
        assertTrue(Double.isNaN(table.lines().get(0).percentOfPeak(peak, 200)), "tensorflow's work not given here");
        List<String> text = table.table().lines().toList();
        assertEquals("backend      versus                figure                                   backend  % peak"
                + "      baseline  % peak  speed ratio", text.get(0));
        assertEquals("djl-pytorch  tensorflow backend    training step, batch 64                250.00 ms   55.3%"
                + "     200.00 ms   69.1%        0.800", text.get(3));
        assertEquals("djl-pytorch  tensorflow backend    latency, batch 1                         2.00 ms   36.0%"
                + "             -       -            -", text.get(5));
        assertTrue(table.table().contains("over the CPU's float32 peak: 100 GFLOP/s, as given."), table.table());
    }

    private static void assertLine(Line line, String backend, String versus, String figure, double ratio) {
        assertEquals(backend, line.backend());
        assertEquals(versus, line.versus());
        assertEquals(figure, line.figure());
        assertEquals(ratio, line.speedRatio(), 1e-9, line.toString());
    }
}

package org.sightline.examples.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sightline.dl4j.Dl4jBenchmark;
import org.sightline.examples.report.BenchmarkTable.Line;
import org.sightline.onnx.OnnxBenchmark;
import org.sightline.tensorflow.TensorFlowBenchmark;

class BenchmarkTableTest {
    static final TensorFlowBenchmark.Result TF = new TensorFlowBenchmark.Result(200, 180, 1000, 1100,
            List.of(900L, 903L, 905L), 380, 380, 100, true);
    static final OnnxBenchmark.Result ONNX = new OnnxBenchmark.Result(OnnxBenchmark.Settings.defaults(), "1.23.2", 2,
            1500, 1450, 2.5, 2.0, 500_000, 501_000);
    static final Dl4jBenchmark.Result DL4J = new Dl4jBenchmark.Result(0.4, 500, 30, 10, 0.35, 0.8);

    @Test
    void ratiosAreSpeedRatiosWhateverTheUnit() {
        List<Line> lines = new BenchmarkTable(Optional.of(TF), Optional.of(ONNX), Optional.of(DL4J)).lines();
        assertEquals(7, lines.size());
        assertLine(lines.get(0), "tensorflow", "plain TF graph", "training step, batch 64", 0.9);
        assertLine(lines.get(1), "tensorflow", "plain TF graph", "inference, batch 256", 1000 / 1100.0);
        assertLine(lines.get(2), "onnx", "bare OrtSession", "inference, batch 256", 1500 / 1450.0);
        assertLine(lines.get(3), "onnx", "bare OrtSession", "latency, batch 1", 0.8);
        assertLine(lines.get(4), "dl4j", "tensorflow backend", "training step, batch 64", 0.5);
        assertEquals(400, lines.get(4).measured(), 1e-9, "seconds become milliseconds");
        assertLine(lines.get(5), "dl4j", "tensorflow backend", "inference, batch 256", 0.5);
        assertLine(lines.get(6), "onnx", "tensorflow backend", "inference, batch 256", 1.5);
    }

    @Test
    void withoutTensorFlowDl4jHasNoBaseline() {
        BenchmarkTable table = new BenchmarkTable(Optional.empty(), Optional.of(ONNX), Optional.of(DL4J));
        List<Line> lines = table.lines();
        assertEquals(4, lines.size(), "no comparison with tensorflow");
        assertTrue(Double.isNaN(lines.get(2).speedRatio()));
        String text = table.table();
        assertTrue(text.contains("dl4j        (tensorflow not run)  training step, batch 64      400.00 ms"
                + "             -            -"), text);
    }

    @Test
    void tableAlignsTheFiguresAndAppendsEachBenchmarksReport() {
        String text = new BenchmarkTable(Optional.of(TF), Optional.of(ONNX), Optional.empty()).table();
        List<String> lines = text.lines().toList();
        assertEquals("backend     versus                figure                         backend      baseline"
                + "  speed ratio", lines.get(0));
        assertEquals("tensorflow  plain TF graph        training step, batch 64      200.00 ms     180.00 ms"
                + "        0.900", lines.get(1));
        assertEquals("onnx        bare OrtSession       inference, batch 256       1,500 img/s   1,450 img/s"
                + "        1.034", lines.get(3));
        assertTrue(text.contains(TF.report()), text);
        assertTrue(text.contains(ONNX.report()), text);
    }

    @Test
    void onnxAgainstTensorFlowOnlyAtTheSameBatchSize() {
        OnnxBenchmark.Result small = new OnnxBenchmark.Result(new OnnxBenchmark.Settings(32, 1, 1, 1, 0, 1), "1.23.2",
                2, 1500, 1450, 2.5, 2.0, -1, -1);
        List<Line> lines = new BenchmarkTable(Optional.of(TF), Optional.of(small), Optional.empty()).lines();
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

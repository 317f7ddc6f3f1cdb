package org.sightline.bench.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sightline.bench.BenchmarkResult;
import org.sightline.bench.BenchmarkResult.Figure;

class OnnxBenchmarkTest {

    @Test
    void shortRunMeasuresBothSidesAndMemory() {
        OnnxBenchmark.Settings settings = new OnnxBenchmark.Settings(4, 1, 5, 1, 5, 20);
        OnnxBenchmark.Result result = OnnxBenchmark.run(settings);
        assertTrue(result.backendImagesPerSecond() > 0 && result.bareImagesPerSecond() > 0, result.report());
        assertTrue(result.backendLatencyMillis() > 0 && result.bareLatencyMillis() > 0, result.report());
        assertTrue(Double.isFinite(result.throughputRatio()), result.report());
        assertEquals(settings, result.settings());
        if (Files.isReadable(Path.of("/proc/self/status"))) {
            assertTrue(result.rssBeforeKb() > 0 && result.rssAfterKb() > 0, result.report());
            assertTrue(Double.isFinite(result.rssGrowthPercent()));
        }
        assertTrue(result.report().contains("throughput batch 4: backend "), result.report());
    }

    @Test
    void settingsMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OnnxBenchmark.Settings(0, 1, 1, 1, 0, 1));
        assertTrue(e.getMessage().contains("batchSize=0"), e.getMessage());
    }

    @Test
    void neutralResultNamesTheBatchSizeAndTheBareSession() {
        OnnxBenchmark.Result result = new OnnxBenchmark.Result(new OnnxBenchmark.Settings(32, 1, 1, 1, 0, 1),
                "1.23.2", 2, 1500, 1450, 2.5, 2.0, -1, -1);
        BenchmarkResult neutral = result.toBenchmarkResult();
        assertEquals("onnx", neutral.backend());
        assertEquals(List.of(
                Figure.against("inference, batch 32", "img/s", 1500, "bare OrtSession", 1450).withFlops(72_092_160),
                Figure.against("latency, batch 1", "ms", 2.5, "bare OrtSession", 2.0).withFlops(72_092_160)),
                neutral.figures(), "FLOPs per image of the reference CNN");
        assertEquals(result.report(), neutral.report());
    }
}

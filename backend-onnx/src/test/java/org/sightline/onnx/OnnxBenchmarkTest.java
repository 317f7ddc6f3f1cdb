package org.sightline.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
}
